"""``hall completion bash``: a bash completion script made from the ``hall`` parser itself.

Install it with ``hall completion bash > /etc/bash_completion.d/hall`` (packaging may do so), or
try it with ``source <(hall completion bash)``. It completes subcommands and options at every
level, the choices of options that have them, and file names after ``--config``, ``--data``,
``--out`` and the like.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from hall import exits

PATH_OPTIONS = ("--config", "--data", "--out", "--token-file", "--records", "--ca-file", "--link")


def register(sub: argparse._SubParsersAction[Any], root: argparse.ArgumentParser) -> None:
    """Add ``hall completion`` to the ``hall`` parser."""
    completion = sub.add_parser(
        "completion",
        help="输出命令行补全脚本 (print a shell completion script): hall completion bash",
    )
    completion.add_argument("shell", choices=["bash"], help="目前支持 bash (bash only, for now)")
    completion.set_defaults(handler=_cmd_completion, root_parser=root)


def _cmd_completion(args: argparse.Namespace) -> int:
    sys.stdout.write(bash_script(args.root_parser))
    return exits.OK


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def command_tree(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> dict[tuple[str, ...], tuple[list[str], list[str], dict[str, list[str]]]]:
    """Per command path: its subcommands, its options, and the choices of options with some."""
    options: list[str] = []
    choices: dict[str, list[str]] = {}
    for action in parser._actions:
        for flag in action.option_strings:
            if flag.startswith("--"):
                options.append(flag)
                if action.choices is not None:
                    choices[flag] = [str(c) for c in action.choices]
    subs = _subparsers(parser)
    positional = [
        str(c)
        for action in parser._actions
        if not action.option_strings
        and action.choices
        and not isinstance(action, argparse._SubParsersAction)
        for c in action.choices
    ]
    tree = {path: (sorted(subs) or positional, options, choices)}
    for name, child in subs.items():
        tree.update(command_tree(child, (*path, name)))
    return tree


def bash_script(parser: argparse.ArgumentParser) -> str:
    """The completion script for bash (``complete -F _hall hall``)."""
    tree = command_tree(parser)
    cases_words, cases_values = [], []
    for path, (subs, options, choices) in sorted(tree.items()):
        key = shlex.quote(" ".join(path))
        cases_words.append(f"        {key}) words_here={shlex.quote(' '.join(subs + options))} ;;")
        for flag, values in sorted(choices.items()):
            pattern = shlex.quote(f"{' '.join(path)}|{flag}")
            cases_values.append(f"        {pattern}) values={shlex.quote(' '.join(values))} ;;")
    subcommand_set = sorted({name for path in tree for name in path})
    return _TEMPLATE.format(
        commands=" ".join(subcommand_set),
        path_options="|".join(PATH_OPTIONS),
        words="\n".join(cases_words),
        values="\n".join(cases_values) or "        *) ;;",
    )


_TEMPLATE = """# bash completion for hall (hallkit): made by `hall completion bash`
_hall() {{
    local cur prev path word i values words_here
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    path=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        word="${{COMP_WORDS[i]}}"
        case " {commands} " in
            *" $word "*) [[ "${{COMP_WORDS[i-1]}}" != --* ]] && path="${{path:+$path }}$word" ;;
        esac
    done
    case "$prev" in
        {path_options}) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
    esac
    values=""
    case "$path|$prev" in
{values}
    esac
    if [[ -n "$values" ]]; then
        COMPREPLY=($(compgen -W "$values" -- "$cur")); return 0
    fi
    words_here=""
    case "$path" in
{words}
    esac
    COMPREPLY=($(compgen -W "$words_here" -- "$cur"))
}}
complete -o default -F _hall hall
"""
