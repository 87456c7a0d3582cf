using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.HttpOverrides;
using IPNetwork = System.Net.IPNetwork;
using Microsoft.Extensions.Options;

namespace FocusSync.Api.Http;

public sealed class TrustedProxyOptions
{
    public const string Section = "ForwardedHeaders";

    /// <summary>Addresses of the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks in CIDR form (e.g. <c>172.30.89.0/24</c>) whose every address is such a proxy.</summary>
    public string[] KnownNetworks { get; set; } = [];

    internal bool TrustsAnyProxy => KnownProxies.Length > 0 || KnownNetworks.Length > 0;
}

/// <summary>
/// Behind a reverse proxy every connection comes from the proxy; the client's address (which rate limiting
/// partitions anonymous callers by) and scheme arrive in <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c>.
/// Those headers are believed only on connections from a configured proxy: anyone can send them.
/// </summary>
public static class TrustedProxies
{
    public static WebApplicationBuilder AddTrustedProxies(this WebApplicationBuilder builder)
    {
        builder.Services.AddSettings<TrustedProxyOptions>(TrustedProxyOptions.Section);
        builder.Services.AddSingleton<IValidateOptions<TrustedProxyOptions>, TrustedProxyOptionsValidator>();
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<TrustedProxyOptions>>((forwarded, configured) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // The framework trusts loopback by default, but a client on this host is not a proxy unless configured as one.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in configured.Value.KnownProxies)
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in configured.Value.KnownNetworks)
            {
                forwarded.KnownIPNetworks.Add(IPNetwork.Parse(network));
            }
        });
        return builder;
    }

    /// <summary>Must come before anything that reads the caller's address or scheme (rate limiting, logs).</summary>
    public static WebApplication UseTrustedProxies(this WebApplication app)
    {
        // With no proxy listed the middleware would believe X-Forwarded-For from every caller, so it is left out.
        if (app.Services.GetRequiredService<IOptions<TrustedProxyOptions>>().Value.TrustsAnyProxy)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }

    // IPv4 only in dotted-quad form: IPAddress also reads "10.1" or octal parts, which nobody means in a trust list.
    internal static bool IsAddress(string text) =>
        IPAddress.TryParse(text, out var address)
        && (address.AddressFamily == AddressFamily.InterNetworkV6 || address.ToString() == text);

    // IPNetwork would clear bits set after the prefix; such a typo (10.0.0.1/24) is refused instead of widened.
    internal static bool IsNetwork(string text) =>
        text.IndexOf('/', StringComparison.Ordinal) is > 0 and var slash
        && IsAddress(text[..slash])
        && IPNetwork.TryParse(text, out var network)
        && network.BaseAddress.Equals(IPAddress.Parse(text[..slash]));
}

internal sealed class TrustedProxyOptionsValidator : IValidateOptions<TrustedProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, TrustedProxyOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.KnownProxies.Length; i++)
        {
            if (!TrustedProxies.IsAddress(options.KnownProxies[i]))
            {
                failures.Add($"{TrustedProxyOptions.Section}:KnownProxies:{i} (\"{options.KnownProxies[i]}\") is not an IP address "
                    + "such as 10.0.0.2 or ::1.");
            }
        }

        for (var i = 0; i < options.KnownNetworks.Length; i++)
        {
            if (!TrustedProxies.IsNetwork(options.KnownNetworks[i]))
            {
                failures.Add($"{TrustedProxyOptions.Section}:KnownNetworks:{i} (\"{options.KnownNetworks[i]}\") is not a network in CIDR "
                    + "form such as 172.30.89.0/24 (no bits set after the prefix).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
