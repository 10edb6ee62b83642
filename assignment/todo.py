"""What a TODO has not computed yet, so that the code around it still runs.

The SVM's naive loss is written for you, but its gradient is yours to write.
Until you write it, ``svm_loss_naive`` returns the loss and, in place of dW,
an :class:`Unfinished` value: the loss can be printed and checked, and any
use of the gradient stops with ``NotImplementedError`` naming the TODO to do.

This module uses only the standard library.
"""


class Unfinished:
    """Stands for a value that a TODO still has to compute.

    Printing it is allowed; anything else (reading its shape, arithmetic,
    indexing, turning it into an array) raises ``NotImplementedError`` with
    ``message``, which names the TODO.

    Parameters
    ----------
    message : str
        What to implement, and where.
    previous : object, optional
        The value the variable held before this TODO. When an earlier TODO
        left it unfinished too, that earlier TODO is the one to do first, so
        its message is kept.
    """

    __slots__ = ("message",)

    def __init__(self, message, previous=None):
        if isinstance(previous, Unfinished):
            message = previous.message
        object.__setattr__(self, "message", str(message))

    def __repr__(self):
        return f"Unfinished({self.message!r})"

    def _stop(self, *args, **kwargs):
        raise NotImplementedError(self.message)

    def __getattr__(self, name):
        raise NotImplementedError(self.message)

    def __setattr__(self, name, value):
        raise NotImplementedError(self.message)

    def __bool__(self):
        raise NotImplementedError(self.message)

    __array__ = __len__ = __iter__ = __getitem__ = __setitem__ = _stop
    __float__ = __int__ = __index__ = __abs__ = __neg__ = __pos__ = _stop
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _stop
    __hash__ = None
    __add__ = __radd__ = __iadd__ = __sub__ = __rsub__ = __isub__ = _stop
    __mul__ = __rmul__ = __imul__ = __truediv__ = __rtruediv__ = __itruediv__ = _stop
    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = __rpow__ = _stop
    __matmul__ = __rmatmul__ = __imatmul__ = _stop
