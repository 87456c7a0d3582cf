using System.Net;

namespace FocusSync.Client;

/// <summary>
/// The server refused a request: its status and the problem details it answered with (title, detail, and for a 400
/// the messages per field). Subclasses name the refusals a caller usually handles on their own.
/// </summary>
public class FocusSyncApiException : Exception
{
    public FocusSyncApiException(HttpStatusCode status, Problem? problem)
        : base(MessageOf(status, problem))
    {
        Status = status;
        Problem = problem;
    }

    public FocusSyncApiException()
        : this(HttpStatusCode.InternalServerError, null)
    {
    }

    public FocusSyncApiException(string message)
        : base(message)
    {
    }

    public FocusSyncApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public HttpStatusCode Status { get; }

    public Problem? Problem { get; }

    public string? Title => Problem?.Title;

    public string? Detail => Problem?.Detail;

    /// <summary>The messages per field of a 400 (empty for other refusals).</summary>
    public IReadOnlyDictionary<string, string[]> Errors => Problem?.Errors ?? new Dictionary<string, string[]>();

    internal static FocusSyncApiException For(HttpStatusCode status, Problem? problem) => status switch
    {
        HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity => new FocusSyncValidationException(status, problem),
        HttpStatusCode.NotFound => new FocusSyncNotFoundException(status, problem),
        HttpStatusCode.PreconditionFailed => new FocusSyncConflictException(status, problem),
        HttpStatusCode.Gone => new FocusSyncGoneException(status, problem),
        _ => new FocusSyncApiException(status, problem),
    };

    private static string MessageOf(HttpStatusCode status, Problem? problem)
    {
        var fields = problem?.Errors is { Count: > 0 } errors
            ? " " + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))
            : "";
        return $"{(int)status} {problem?.Title ?? status.ToString()}: {problem?.Detail}{fields}".TrimEnd(' ', ':');
    }
}

/// <summary>A 400 (or 422): <see cref="FocusSyncApiException.Errors"/> names the fields at fault.</summary>
public sealed class FocusSyncValidationException(HttpStatusCode status, Problem? problem) : FocusSyncApiException(status, problem);

/// <summary>A 404: no such object of this user.</summary>
public sealed class FocusSyncNotFoundException(HttpStatusCode status, Problem? problem) : FocusSyncApiException(status, problem);

/// <summary>A 412: the change was made on another version; <see cref="Current"/> is the session as it is now.</summary>
public sealed class FocusSyncConflictException(HttpStatusCode status, Problem? problem) : FocusSyncApiException(status, problem)
{
    public Session? Current => Problem?.Session;
}

/// <summary>A 410 from the change feed: the asked <c>since</c> is too old (or ahead); fetch everything again.</summary>
public sealed class FocusSyncGoneException(HttpStatusCode status, Problem? problem) : FocusSyncApiException(status, problem);

/// <summary>
/// Gives a Firebase (or development) ID token for the signed-in user. It is asked before every request and every
/// hub connection, so it should cache its token and refresh it before it expires (Firebase: <c>getIdToken()</c>).
/// </summary>
public delegate ValueTask<string> AccessTokenProvider(CancellationToken cancellationToken);
