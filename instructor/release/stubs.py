"""Stubbing: each solution region of a student file replaced by the stub a student fills in."""

import ast

from ..kit_contract import STUB_MESSAGE
from ..regions import RegionError, find_regions, replace_regions


def function_names(source):
    """(first line, last line, qualified name) of every function, innermost last."""
    spans = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                spans.append((child.lineno, child.end_lineno, name))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return spans


def enclosing_function(spans, line):
    """The qualified name of the innermost function holding ``line``, or None."""
    inside = [(last - first, name) for first, last, name in spans if first <= line <= last]
    return min(inside)[1] if inside else None


# The widest line a stub may have: it reads in any editor without scrolling.
STUB_WIDTH = 100


def _pieces(message, width):
    """message cut at spaces into pieces of at most width characters (one longer word
    stays whole); joined, they are the message exactly."""
    pieces, current = [], ""
    for word in message.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and len(candidate) + 1 > width:
            pieces.append(current + " ")
            current = word
        else:
            current = candidate
    return pieces + [current]


def stub_source(source, relpath, keep=None):
    """The student version of a file: each region becomes a stub.

    The stub keeps the region's indentation and raises ``NotImplementedError``
    naming the function, the file and the notebook section that asks for it;
    the TODO comments above the region stay. A region marked
    ``(stub: NAME = Unfinished)`` sets NAME to an ``Unfinished`` value with
    that message instead, so that the code around it keeps running.

    ``keep(region)``, when given, picks regions to keep as solved (their code
    without the markers): the file as a student has it part-way through.
    """
    regions = find_regions(source, relpath)
    spans = function_names(source)
    owners = [enclosing_function(spans, region.begin) for region in regions]
    if None in owners:
        region = regions[owners.index(None)]
        raise RegionError(
            f"{relpath}:{region.begin}: the solution region is not inside a function; "
            f"its stub would raise as soon as the module is imported.")
    parts, seen, unfinished = {}, {}, set()
    for owner in owners:
        parts[owner] = parts.get(owner, 0) + 1

    def stub(region):
        owner = owners[regions.index(region)]
        seen[owner] = seen.get(owner, 0) + 1
        if keep is not None and keep(region):
            return region.body
        where = [f"TODO {seen[owner]} of {parts[owner]} in this function"] if parts[owner] > 1 else []
        where += [f"asked for in {region.task}"] if region.task else []
        message = f"{STUB_MESSAGE} {owner} in {relpath}" + (f" ({'; '.join(where)})" if where else "")
        # The message as string literals of at most STUB_WIDTH columns, one a line
        # (kit_contract.STUB_CALL: how the kit's pack_submission.py tells a stub).
        inner = region.indent + "    "
        # Cut first where the parenthesis begins: what, then where it is asked for.
        head, paren, rest = message.partition(" (")
        segments = [head + " ", "(" + rest] if paren else [message]
        width = STUB_WIDTH - len(inner) - 3
        literals = [inner + repr(piece) for segment in segments
                    for piece in _pieces(segment, width)]
        if not region.unfinished:
            call, extra = "raise NotImplementedError(", []
        else:
            call = f"{region.unfinished} = Unfinished("
            # An earlier TODO of this function left the same variable unfinished:
            # while it is not done, its message is the one to see.
            extra = ([f"{inner}previous={region.unfinished}"]
                     if (owner, region.unfinished) in unfinished else [])
            unfinished.add((owner, region.unfinished))
        if extra:
            literals[-1] += ","
        action = "\n".join([region.indent + call, *literals, *extra]) + ")"
        return (f"{region.indent}# Your code here, in place of this stub:\n"
                f"{action}\n")

    stubbed = replace_regions(source, stub, relpath)
    compile(stubbed, relpath, "exec")  # a stub must never break a file
    return stubbed
