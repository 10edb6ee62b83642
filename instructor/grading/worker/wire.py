"""Messages between the trusted kernel and the sandboxed worker.

Two kinds of channel, both Unix sockets:

- a *session* is a stream socket that carries messages of any size, each an
  8-byte length and then the bytes of one value (:mod:`values`);
- the *control* socket between the kernel and the worker's parent process is
  a sequenced-packet socket: one packet is one small message, and a packet
  can carry file descriptors (the ends of a new session's socket and pipes).

This file runs in the sandbox too: standard library and :mod:`values` only.
"""

import array
import os
import socket
import struct

try:                        # imported as part of the instructor package (the kernel)
    from . import values
except ImportError:         # run as a plain folder on sys.path (the sandbox)
    import values

HEADER = struct.Struct("<Q")
# How a child ended when its parent stopped it for filling its watched scratch folder.
SCRATCH_FULL = "scratch folder full"
PACKET_BYTES = 1 << 16


class ChannelClosed(EOFError):
    """The other end closed the channel."""


def framed(value, limit=None, where="value"):
    """The buffers of one session message: its length, then the value's bytes."""
    pieces = values.encode(value, limit=limit, where=where)
    return [HEADER.pack(values.encoded_size(pieces))] + pieces


def send(sock, value, limit=None, where="value"):
    """Send one message on a blocking session socket."""
    for piece in framed(value, limit, where):
        sock.sendall(piece)


def receive(sock, limit, resolve=None):
    """Receive one message from a blocking session socket.

    Raises
    ------
    ChannelClosed
        At the end of the stream.
    values.ProtocolError
        If the message is longer than ``limit`` or malformed.
    """
    size = HEADER.unpack(_exactly(sock, HEADER.size))[0]
    if size > limit:
        raise values.ProtocolError(f"a message of {size} bytes; at most {limit}")
    return values.decode(_exactly(sock, size), resolve=resolve)


def _exactly(sock, count):
    buffer = bytearray(count)
    view, got = memoryview(buffer), 0
    while got < count:
        received = sock.recv_into(view[got:])
        if received == 0:
            raise ChannelClosed("the channel closed")
        got += received
    return buffer


class Incoming:
    """Splits the bytes of a session stream into messages, as they arrive.

    Parameters
    ----------
    limit : int
        Largest message allowed; a longer one is a :class:`values.ProtocolError`.
    """

    def __init__(self, limit):
        self.limit = limit
        self.header = bytearray()
        self.body = None
        self.got = 0

    def feed(self, data):
        """Take received bytes; return the payloads completed by them."""
        done, data = [], memoryview(data)
        while data:
            if self.body is None:
                need = HEADER.size - len(self.header)
                self.header += data[:need]
                data = data[need:]
                if len(self.header) < HEADER.size:
                    break
                size = HEADER.unpack(self.header)[0]
                if size > self.limit:
                    raise values.ProtocolError(f"a message of {size} bytes; at most {self.limit}")
                self.body, self.got = bytearray(size), 0
            take = min(len(self.body) - self.got, len(data))
            self.body[self.got:self.got + take] = data[:take]
            self.got += take
            data = data[take:]
            if self.got == len(self.body):
                done.append(self.body)
                self.header, self.body = bytearray(), None
        return done


def control_pair():
    """A connected pair of control sockets (sequenced packets)."""
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)


def send_packet(sock, value, fds=()):
    """Send one control message, with file descriptors attached."""
    data = b"".join(values.encode(value, limit=PACKET_BYTES))
    if fds:
        sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
    else:
        sock.send(data)


def receive_packet(sock, max_fds=0):
    """One control message and the file descriptors that came with it.

    Raises
    ------
    ChannelClosed
        When the other end has closed.
    """
    fds = array.array("i")
    space = socket.CMSG_SPACE(max_fds * fds.itemsize) if max_fds else 0
    data, ancillary, flags, _ = sock.recvmsg(PACKET_BYTES, space)
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
    received = list(fds)
    if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC) or len(received) > max_fds:
        for fd in received:
            _close(fd)
        raise values.ProtocolError("a control message too long or with too many descriptors")
    if not data:
        for fd in received:
            _close(fd)
        raise ChannelClosed("the control channel closed")
    return values.decode(data), received


def _close(fd):
    try:
        os.close(fd)
    except OSError:
        pass
