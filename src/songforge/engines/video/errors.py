"""Why a music video could not be made."""


class VideoError(ValueError):
    """The video could not be rendered; the message is a sentence, `detail` keeps FFmpeg's last line for the log."""

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail
