using Microsoft.Extensions.Logging;

namespace FocusSync.Api.Realtime;

/// <summary>
/// Keeps hub tokens out of the logs. Browsers cannot set headers on WebSocket and SSE requests, so the
/// hub takes <c>?access_token=</c>, and ASP.NET Core's per-request logs ("Request starting …") print the
/// full query string. Those logs are therefore held at Warning for every provider, whatever the
/// configuration says: a rule added after all others, for each provider that has rules of its own,
/// is the one the logger picks for that category.
/// </summary>
internal static class TokenSafeLogging
{
    public const string RequestLogCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public static void SuppressRequestLogs(LoggerFilterOptions options)
    {
        var providers = options.Rules.Select(r => r.ProviderName).Distinct(StringComparer.Ordinal).ToList();
        if (!providers.Contains(null))
        {
            providers.Add(null);
        }

        foreach (var provider in providers)
        {
            options.Rules.Add(new LoggerFilterRule(provider, RequestLogCategory, LogLevel.Warning, null));
        }
    }
}
