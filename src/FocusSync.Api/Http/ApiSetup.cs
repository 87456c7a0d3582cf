using Scalar.AspNetCore;

namespace FocusSync.Api.Http;

public static class ApiSetup
{
    public const string ApiPagePath = "/api";

    public static WebApplicationBuilder AddFocusSyncApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<LimitOptions>().BindConfiguration(LimitOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
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
        builder.Services.AddOpenApi();
        builder.AddRequestBodyLimit();
        builder.AddBrowserSecurity();
        builder.AddHealth();
        builder.AddStructuredLogs();
        return builder;
    }

    public static WebApplication UseFocusSyncApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseBrowserSecurity();
        app.UseRequestBodyLimit();
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference(ApiPagePath).AllowAnonymous();
        app.MapHealth();
        return app;
    }

    /// <summary>
    /// Outside Development the console writes one JSON object per entry unless
    /// <c>Logging:Console:FormatterName</c> says otherwise.
    /// </summary>
    private static void AddStructuredLogs(this WebApplicationBuilder builder)
    {
        if (!builder.Environment.IsDevelopment() && string.IsNullOrEmpty(builder.Configuration["Logging:Console:FormatterName"]))
        {
            builder.Logging.AddJsonConsole();
        }
    }
}
