"""The program's own failures. Problems in the input are Issue values, not exceptions."""

import errno


class ThiduaError(Exception):
    """A failure that stops the command; its message is Vietnamese and shown to the user."""


class ConfigError(ThiduaError, ValueError):
    """config.toml is missing, unreadable, or a key is wrong."""


class RegistryError(ThiduaError, ValueError):
    """The unit registry cannot be used as it is."""


class OutputError(ThiduaError, OSError):
    """The output folder cannot be written."""


# Why a file could not be read or written, in the clerk's words, for the failures a clerk can fix: the operating
# system's own text ("Permission denied") is English.
_OS_REASONS = {
    errno.ENOSPC: "ổ đĩa đã đầy, đề nghị giải phóng dung lượng",
    errno.ENAMETOOLONG: "tên tệp quá dài (tên đơn vị trong danh sách đơn vị quá dài), đề nghị rút gọn tên đơn vị "
                        "hoặc chọn thư mục kết quả có đường dẫn ngắn hơn",
    errno.EACCES: "không có quyền ghi",
    errno.EPERM: "không có quyền ghi",
    errno.EROFS: "ổ đĩa chỉ cho đọc",
    errno.ENOENT: "không tìm thấy tệp hoặc thư mục",
    errno.ENOTDIR: "một phần của đường dẫn là tệp, không phải thư mục",
    errno.EISDIR: "đường dẫn là một thư mục, không phải tệp",
}


def os_reason(exc: BaseException) -> str:
    """An OSError said in Vietnamese where it is one a clerk can fix; its own text otherwise."""
    number = getattr(exc, "errno", None)
    if number in _OS_REASONS:
        return _OS_REASONS[number]
    return getattr(exc, "strerror", None) or str(exc)


class RegisterError(ThiduaError, ValueError):
    """A decision cannot be recorded as given (number, date, issuer, run folder); nothing is written."""
