"""The refusals of proposal operations, each with a message for the user."""

from __future__ import annotations

from grants.formatting import count_of
from grants.proposals import checks


class ProposalError(ValueError):
    """A refused proposal operation, with a message for the user."""


class StaleProposal(ProposalError):
    def __init__(self, message: str = ""):
        super().__init__(
            message
            or "Someone (perhaps you, in another tab) saved this proposal after you opened "
            "this page. Nothing was overwritten: your input is shown below. Copy what you "
            "need, reload the page to see the latest version, and save again."
        )


class ProposalLocked(ProposalError):
    pass


class Incomplete(ProposalError):
    def __init__(self, missing: list[checks.Check]):
        self.missing = missing
        super().__init__(
            f"The proposal cannot be submitted yet: {count_of(len(missing), 'item')} "
            f"{'is' if len(missing) == 1 else 'are'} missing. "
            "See the checklist."
        )
