"""Knowledge-base retrieval: load the store's knowledge files, embed them, search them with FAISS.

kb_index imports nothing else of kefu's, so any process (the action server, the CLI, the
handoff service's suggested replies) can use it.
"""

from kb_index.errors import KnowledgeError, KnowledgeFileError
from kb_index.knowledge import KnowledgeEntry, load_knowledge
from kb_index.search import Hit, KnowledgeSearcher, SearchResult

__all__ = [
    "Hit",
    "KnowledgeEntry",
    "KnowledgeError",
    "KnowledgeFileError",
    "KnowledgeSearcher",
    "SearchResult",
    "load_knowledge",
]
