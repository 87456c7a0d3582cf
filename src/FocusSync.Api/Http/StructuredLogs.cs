using Microsoft.Extensions.Logging.Console;

namespace FocusSync.Api.Http;

public static class StructuredLogs
{
    /// <summary>
    /// Outside Development the console writes one JSON object per entry unless
    /// <c>Logging:Console:FormatterName</c> says otherwise. Every entry carries the trace and span ids of its request
    /// (a scope), so a slow request's log lines and its trace meet.
    /// </summary>
    public static WebApplicationBuilder AddStructuredLogs(this WebApplicationBuilder builder)
    {
        var console = builder.Configuration.ReadSettings<ConsoleLoggerOptions>("Logging:Console");
        if (!builder.Environment.IsDevelopment() && string.IsNullOrEmpty(console.FormatterName))
        {
            builder.Logging.AddJsonConsole(json => json.IncludeScopes = true);
        }

        builder.Logging.Configure(logging =>
            logging.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        return builder;
    }
}
