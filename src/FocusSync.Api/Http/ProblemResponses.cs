namespace FocusSync.Api.Http;

/// <summary>Every error is an RFC 9457 problem with a detail, whatever the client accepts; a 5xx shows no exception.</summary>
public static class ProblemResponses
{
    public static WebApplicationBuilder AddProblemResponses(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context =>
        {
            // Every problem gets a detail; for a 5xx the exception is only logged, never shown.
            var request = context.HttpContext.Request;
            context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
            {
                >= StatusCodes.Status500InternalServerError =>
                    "The server failed to handle the request. The error has been logged; try again later.",
                StatusCodes.Status404NotFound => $"Nothing is at {request.Method} {request.Path}.",
                StatusCodes.Status405MethodNotAllowed => $"{request.Method} is not allowed on {request.Path}.",
                _ => context.ProblemDetails.Title,
            };
        });
        builder.Services.AddSingleton<IProblemDetailsWriter, AlwaysProblemJsonWriter>();
        return builder;
    }

    /// <summary>Turns exceptions and bodiless error statuses of everything after it into problems.</summary>
    public static WebApplication UseProblemResponses(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }
}
