"""One exception hierarchy for the whole tool; the CLI maps each class to an exit code.

MMContractError            base; never raised itself
+-- UsageError             bad arguments or configuration (exit 2)
+-- TargetUnreachable      the target does not answer or refuses the token (exit 2)
+-- SpecError              the contract file cannot be read or is invalid (exit 2)
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_CANNOT_RUN = 2
EXIT_INTERRUPTED = 130


class MMContractError(Exception):
    """Base class. The message is one line a user can act on."""

    exit_code = EXIT_CANNOT_RUN


class UsageError(MMContractError):
    pass


class TargetUnreachable(MMContractError):
    pass


class SpecError(MMContractError):
    pass
