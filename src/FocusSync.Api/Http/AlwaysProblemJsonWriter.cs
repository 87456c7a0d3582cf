using System.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace FocusSync.Api.Http;

/// <summary>
/// The last problem writer: the default one declines when the client's Accept names no JSON type
/// (a browser's text/html), which would leave an empty or text/plain error. An API error is always a
/// problem, so this one writes it whatever was asked for.
/// </summary>
internal sealed class AlwaysProblemJsonWriter(IOptions<ProblemDetailsOptions> problems, IOptions<JsonOptions> json)
    : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var response = context.HttpContext.Response;
        var details = context.ProblemDetails;
        details.Status ??= response.StatusCode;
        details.Title ??= ReasonPhrases.GetReasonPhrase(details.Status.Value);
        details.Type ??= $"https://httpstatuses.io/{details.Status.Value}";
        details.Extensions.TryAdd("traceId", Activity.Current?.Id ?? context.HttpContext.TraceIdentifier);
        problems.Value.CustomizeProblemDetails?.Invoke(context);
        return new ValueTask(response.WriteAsJsonAsync(
            details, json.Value.SerializerOptions, "application/problem+json", context.HttpContext.RequestAborted));
    }
}
