"""Named text columns held as Arrow arrays, a pandas frame of them made only when something asks for one.

A sheet may have 100,000 columns of a few rows. A pandas frame of that many columns costs over a second to
make, to concatenate or to take apart, whatever few cells it holds; the stages a wide sheet passes through
(reading, metadata, the report, the payloads) therefore work on these arrays, a block of columns at a time,
and only what needs pandas (a few mapped columns, the web review) makes a frame.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from importer.columns import TEXT_DTYPE, column_arrays, column_blocks, split_block, text_frame


class TextColumns:
    """Columns of text cells of one length, by name, on a pandas index (one entry per row).

    ``arrays`` are large_string arrays without nulls (an empty cell is ""), as :func:`importer.columns.to_arrow`
    gives them. Not to be changed once made: methods return new columns.
    """

    __slots__ = ("_arrays", "_at", "_blocks", "_frame", "index", "names")

    def __init__(self, names: Sequence[str], arrays: Sequence[pa.Array], index: pd.Index) -> None:
        if len(names) != len(arrays):
            raise ValueError(f"{len(names)} names for {len(arrays)} columns")
        self.names: list[str] = list(names)
        self._arrays: list[pa.Array] | None = list(arrays)
        self.index = index
        self._frame: pd.DataFrame | None = None
        self._at: dict[str, int] | None = None
        self._blocks: list[tuple[range, pa.Array]] | None = None

    @classmethod
    def of_blocks(cls, names: Sequence[str], blocks: list[tuple[range, pa.Array]], index: pd.Index) -> TextColumns:
        """Columns given as :func:`importer.columns.column_blocks` gives them: cut into columns only when
        :attr:`arrays` is asked for (a wide sheet's metadata may only be checked, never taken apart)."""
        width = sum(len(block) for block, _ in blocks)
        if len(names) != width:
            raise ValueError(f"{len(names)} names for {width} columns")
        out = cls([], [], index)
        out.names, out._arrays, out._blocks = list(names), None, blocks
        return out

    @property
    def arrays(self) -> list[pa.Array]:
        """Each column as one large_string array, in order."""
        if self._arrays is None:
            blocks = self._blocks or []
            self._arrays = [part for block, values in blocks for part in split_block(values, len(block))]
        return self._arrays

    def blocks(self) -> list[tuple[range, pa.Array]]:
        """The columns joined a block at a time (:func:`importer.columns.column_blocks`; joined once, then kept:
        reading, cleaning and checking a wide sheet each go over its every cell)."""
        if self._blocks is None:
            self._blocks = list(column_blocks(self.arrays))
        return self._blocks

    @classmethod
    def of(cls, cells: pd.DataFrame | TextColumns) -> TextColumns:
        """``cells`` as text columns (a frame's columns taken once; the frame is kept for :meth:`frame`)."""
        if isinstance(cells, TextColumns):
            return cells
        out = cls([str(n) for n in cells.columns.tolist()], column_arrays(cells), cells.index)
        if all(isinstance(n, str) for n in cells.columns.tolist()) and all(d == TEXT_DTYPE for d in cells.dtypes):
            out._frame = cells
        return out

    @classmethod
    def empty(cls, index: pd.Index) -> TextColumns:
        """No columns, on ``index``."""
        return cls([], [], index)

    def __len__(self) -> int:
        return len(self.index)

    @property
    def width(self) -> int:
        return len(self.names)

    @property
    def columns(self) -> pd.Index:
        """The names as a pandas index (as a frame's ``columns``)."""
        return pd.Index(self.names, dtype=object)

    def __contains__(self, name: object) -> bool:
        return name in self._positions()

    def position(self, name: str) -> int:
        """Where the column ``name`` is (its first one, if several have that name); KeyError if none has."""
        return self._positions()[name]

    def _positions(self) -> dict[str, int]:
        if self._at is None:
            at: dict[str, int] = {}
            for i, name in enumerate(self.names):
                at.setdefault(name, i)
            self._at = at
        return self._at

    def __getitem__(self, name: str) -> pd.Series:
        """The column ``name`` as a pandas str Series (not copied)."""
        if self._frame is not None:
            column = self._frame[name]
            if isinstance(column, pd.Series):
                return column
        values = TEXT_DTYPE.__from_arrow__(self.array(name))  # type: ignore[attr-defined]
        return pd.Series(values, index=self.index, name=name, copy=False)

    def array(self, name: str) -> pa.Array:
        """The column ``name`` as Arrow text."""
        at = self.position(name)
        if self._arrays is not None or self._blocks is None:
            return self.arrays[at]
        for block, values in self._blocks:  # not cut into columns: this one sliced from its block
            if at in block:
                n = len(self)
                return values.slice((at - block.start) * n, n)
        raise KeyError(name)

    def without(self, positions: set[int], change: Callable[[pa.Array], pa.Array]) -> TextColumns:
        """Every column but those at ``positions``, each value changed by ``change`` (a function of each value
        alone, run on a block of columns at once)."""
        n = len(self)
        blocks: list[tuple[range, pa.Array]] = []
        start = 0
        for block, values in self.blocks():
            changed = change(values)
            kept = [k for k in block if k not in positions] if any(p in block for p in positions) else block
            if len(kept) < len(block):
                parts = [changed.slice((k - block.start) * n, n) for k in kept]
                changed = pa.concat_arrays(parts) if parts else None
            if len(kept) and changed is not None:
                blocks.append((range(start, start + len(kept)), changed))
                start += len(kept)
        names = [name for i, name in enumerate(self.names) if i not in positions]
        return TextColumns.of_blocks(names, blocks, self.index)

    def picked(self, positions: Sequence[int]) -> list[pa.Array]:
        """The columns at ``positions``, in that order."""
        return [self.arrays[i] for i in positions]

    def frame(self) -> pd.DataFrame:
        """A pandas frame of the columns (made once, then kept)."""
        if self._frame is None:
            if len(set(self.names)) == len(self.names):
                self._frame = text_frame(dict(zip(self.names, self.arrays, strict=True)), self.index)
            else:  # the same name twice: made by position, then named
                frame = text_frame({str(i): a for i, a in enumerate(self.arrays)}, self.index)
                frame.columns = pd.Index(self.names, dtype=object)
                self._frame = frame
        return self._frame

    def with_arrays(self, changed: dict[int, pa.Array]) -> TextColumns:
        """The same columns with those at the ``changed`` positions replaced."""
        if not changed:
            return self
        return TextColumns(self.names, [changed.get(i, a) for i, a in enumerate(self.arrays)], self.index)

    def rows_between(self, start: int, stop: int) -> TextColumns:
        """Rows ``start:stop`` (positions)."""
        return TextColumns(self.names, [a.slice(start, stop - start) for a in self.arrays], self.index[start:stop])

    def taken(self, positions: np.ndarray, index: pd.Index) -> TextColumns:
        """The rows at ``positions`` (in that order), on ``index``: a block of columns at a time."""
        n = len(self)
        if n == len(positions) and np.array_equal(positions, np.arange(n)):
            if self._arrays is None:
                return TextColumns.of_blocks(self.names, self.blocks(), index)
            return TextColumns(self.names, self._arrays, index)
        arrays: list[pa.Array] = []
        for block, values in self.blocks():
            order = (np.arange(len(block))[:, None] * n + positions[None, :]).ravel()
            arrays += split_block(values.take(pa.array(order, pa.int64())), len(block))
        return TextColumns(self.names, arrays, index)

    @staticmethod
    def concat(parts: Sequence[TextColumns]) -> TextColumns:
        """Parts of the same columns, their rows one after another."""
        if len(parts) == 1:
            return parts[0]
        first = parts[0]
        index = first.index.append([p.index for p in parts[1:]])
        arrays = [pa.concat_arrays([p.arrays[i] for p in parts]) for i in range(first.width)]
        return TextColumns(first.names, arrays, index)
