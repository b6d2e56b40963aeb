"""The ``hall`` command: one program with a subcommand per role (hub, config, token, demo, …)."""
