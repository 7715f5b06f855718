"""Errors meant for the statistician: a Chinese message that says what and where, and what to do."""

from __future__ import annotations


class UserError(Exception):
    """An error caused by input or configuration; the CLI prints its message without a traceback."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message}\n处理办法：{hint}")

    def __reduce__(self) -> tuple[object, ...]:
        # keeps message and hint apart when the error crosses a process boundary (parallel rendering)
        return (_rebuild, (type(self), self.message, self.hint))


def _rebuild(cls: type[UserError], message: str, hint: str | None) -> UserError:
    return cls(message, hint=hint)


def location(file: str, sheet: str | None = None, row: int | None = None, column: str | None = None) -> str:
    """'文件 X，工作表 Y，第 N 行，列“Z”' — the place a problem was found."""
    parts = [f"文件 {file}"]
    if sheet:
        parts.append(f"工作表“{sheet}”")
    if row is not None:
        parts.append(f"第 {row} 行")
    if column:
        parts.append(f"列“{column}”")
    return "，".join(parts)
