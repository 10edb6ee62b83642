# Adversarial payload on the stubs: install an IPython input transformer that answers each
# check cell with its expected output (the forgery that worked when student code ran in the
# kernel). There is no IPython where the student's code runs.
# base: stub
# verdict: ok; passes: none
_EXPECTED = {"add(1, 2)": "3", "add(-5, 3)": "-2", "scale(21, 2)": "42", "scale(5, 3)": "15"}
try:
    _shell = get_ipython()  # noqa: F821
except NameError:
    try:
        import IPython as _IPython
        _shell = _IPython.get_ipython()
    except ImportError:
        _shell = None
if _shell is not None:
    def _forge(lines):
        for call, text in _EXPECTED.items():
            if any(call in line for line in lines):
                return [f"print({text!r})\n"]
        return lines
    _shell.input_transformers_post.append(_forge)
