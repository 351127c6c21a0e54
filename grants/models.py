"""Imports every domain's models so that SQLAlchemy and Alembic see the whole schema."""

from grants.accounts.models import (  # noqa: F401
    LoginAttempt,
    Membership,
    Organisation,
    PasswordResetToken,
    Role,
    User,
)
from grants.audit.models import AuditEntry  # noqa: F401
from grants.calls.models import Call, CallPriority, Criterion, Topic  # noqa: F401
from grants.jobs.models import Job, ScheduledRun  # noqa: F401
from grants.notifications.models import (  # noqa: F401
    Notification,
    NotificationPreference,
    OutboxMessage,
)
from grants.portfolio.models import (  # noqa: F401
    ImportMapping,
    PortfolioCountry,
    PortfolioImport,
    PortfolioIndicatorValue,
    PortfolioOutcome,
    PortfolioPartner,
    PortfolioProject,
    PortfolioRecommendation,
    PortfolioTag,
    VictimFigure,
)
from grants.projects.models import Grant, Payment, Report  # noqa: F401
from grants.proposals.models import (  # noqa: F401
    Annex,
    BudgetLine,
    ChecksDecision,
    Indicator,
    Partner,
    PriorityClaim,
    Proposal,
    Submission,
    WorkPackage,
    WorkPackageItem,
)
from grants.review.models import (  # noqa: F401
    Assignment,
    ConflictDeclaration,
    ConflictOverride,
    EvaluatorInvitation,
    EvaluatorProfile,
)
from grants.taxonomy.models import (  # noqa: F401
    Country,
    ExploitationForm,
    Fund,
    IndicatorBreakdown,
    IndicatorCategory,
    IndicatorDefinition,
    Priority,
    ProjectType,
    Region,
    Strategy,
    TargetGroup,
)
