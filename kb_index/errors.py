"""The exceptions kb_index raises at its boundary."""


class KnowledgeError(Exception):
    """Base class: something is wrong with the knowledge base or its index."""


class KnowledgeFileError(KnowledgeError):
    """One or more knowledge files are invalid; each problem reads `file:line: what is wrong`."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class EncoderUnavailable(KnowledgeError):
    """The configured encoder cannot be loaded offline."""


class EntryNotFound(KnowledgeError):
    """No knowledge entry has the id an edit names."""
