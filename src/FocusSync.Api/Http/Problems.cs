using Microsoft.AspNetCore.Http.HttpResults;

namespace FocusSync.Api.Http;

public static class Problems
{
    public static ValidationProblem Invalid(Dictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, detail: "The request has invalid fields: " + string.Join(", ", errors.Keys) + ".");

    public static ValidationProblem Invalid(string field, string message) => Invalid(new() { [field] = [message] });

    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(detail: $"No {what} with that id.", statusCode: StatusCodes.Status404NotFound);
}
