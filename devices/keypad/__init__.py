"""The five-key rating keypad (评价器): a USB HID keyboard read with evdev.

``keys`` maps key presses to rating levels (pure), ``session`` holds one rating request,
``transport`` reads the real keypad through evdev, ``sim`` is a keypad a test can press, and
``service`` owns the one thread that reads the keypad and answers rating requests.
"""
