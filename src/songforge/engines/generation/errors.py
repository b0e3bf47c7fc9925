"""Why a song could not be made, as exceptions a worker can turn into a named FAILURE reason."""


class GenerationError(Exception):
    """A request the engine cannot turn into a song; the message is a sentence a user can act on."""

    reason = "generation_failed"


class UnsupportedLanguage(GenerationError):
    """The lyrics are in a language no voice can sing."""

    reason = "unsupported_language"

    def __init__(self, language: str) -> None:
        super().__init__(f"no singing voice covers the lyrics' language ({language}); sing them in another language")
        self.language = language
