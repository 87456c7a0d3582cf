using NodaTime;

namespace FocusSync.Timekeeping;

public enum ChangeType
{
    AddSession,
    Start,
    Pause,
    ResetSession,
    ResetAll,
    EditSession,
    DeleteSession,
    Complete,
    AutoReset,
    AutoResetTimeChange,
    AddGroup,
    EditGroup,
    DeleteGroup,
}

/// <summary>Time credited to a session on one user-day, and that day's goal as of this credit.</summary>
public sealed record Credit(long SessionId, LocalDate Day, long Ms, int? GoalMinutes);

/// <summary>One change of the user's data: one event and one step of the user's seq.</summary>
public sealed record Change(ChangeType Type, long AtMs, IReadOnlyList<SessionTimer> Sessions, long? GroupId = null);

/// <summary>A command the rules refuse: the field of the request at fault, and why.</summary>
public sealed record Refusal(string Field, string Message);

/// <summary>What applying the rules produced, in order.</summary>
public sealed class Outcome
{
    public List<Credit> Credits { get; } = [];
    public List<Change> Changes { get; } = [];
}
