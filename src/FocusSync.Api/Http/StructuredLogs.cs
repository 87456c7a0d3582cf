using Microsoft.Extensions.Logging.Console;

namespace FocusSync.Api.Http;

public static class StructuredLogs
{
    /// <summary>
    /// Outside Development the console writes one JSON object per entry unless
    /// <c>Logging:Console:FormatterName</c> says otherwise.
    /// </summary>
    public static WebApplicationBuilder AddStructuredLogs(this WebApplicationBuilder builder)
    {
        var console = builder.Configuration.ReadSettings<ConsoleLoggerOptions>("Logging:Console");
        if (!builder.Environment.IsDevelopment() && string.IsNullOrEmpty(console.FormatterName))
        {
            builder.Logging.AddJsonConsole();
        }

        return builder;
    }
}
