using Microsoft.AspNetCore.Http.HttpResults;

namespace FocusSync.Api.Http;

public static class Problems
{
    /// <summary>Fields a 400 lists at most: a body of thousands of unknown keys gets a short answer, not a huge one.</summary>
    public const int MaxListedFields = 20;

    private const int MaxNameLength = 64;
    private const int MaxMessageLength = 500;

    public static ValidationProblem Invalid(Dictionary<string, string[]> errors)
    {
        var listed = new Dictionary<string, string[]>();
        foreach (var (name, messages) in errors.Take(MaxListedFields))
        {
            var shown = FieldName(name);
            var texts = messages.Select(m => Shorten(m, MaxMessageLength)).ToArray();
            listed[shown] = listed.TryGetValue(shown, out var earlier) ? [.. earlier, .. texts] : texts;
        }

        var omitted = Math.Max(0, errors.Count - MaxListedFields);
        var detail = "The request has invalid fields: " + string.Join(", ", listed.Keys)
            + (omitted > 0 ? $", and {omitted} more not listed (a problem lists at most {MaxListedFields})." : ".");
        return TypedResults.ValidationProblem(
            listed, detail, extensions: omitted > 0 ? new Dictionary<string, object?> { ["omittedFields"] = omitted } : null);
    }

    public static ValidationProblem Invalid(string field, string message) => Invalid(new() { [field] = [message] });

    /// <summary>Answers from a middleware, before any endpoint runs: the status, and a problem that says why.</summary>
    public static Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }

    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(detail: $"No {what} with that id.", statusCode: StatusCodes.Status404NotFound);

    /// <summary>A field name as a problem quotes it: a client's unknown key may be as long as the body.</summary>
    public static string FieldName(string name) => Shorten(name, MaxNameLength);

    private static string Shorten(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        var cut = char.IsHighSurrogate(text[max - 1]) ? max - 1 : max;
        return text[..cut] + "…";
    }
}
