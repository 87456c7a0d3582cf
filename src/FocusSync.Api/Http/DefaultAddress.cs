using Microsoft.AspNetCore.Hosting;

namespace FocusSync.Api.Http;

public static class DefaultAddress
{
    public const string Url = "http://localhost:5080";

    /// <summary>
    /// Listens on <see cref="Url"/> unless <c>--urls</c>, <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c> (set by the
    /// .NET container images) or <c>Kestrel:Endpoints</c> name an address. A launch profile's applicationUrl would
    /// override <c>ASPNETCORE_URLS</c> under <c>dotnet run</c>, so the default lives here.
    /// </summary>
    public static WebApplicationBuilder AddDefaultAddress(this WebApplicationBuilder builder)
    {
        var web = builder.WebHost;
        var named = new[] { WebHostDefaults.ServerUrlsKey, WebHostDefaults.HttpPortsKey, WebHostDefaults.HttpsPortsKey }
            .Any(key => !string.IsNullOrEmpty(web.GetSetting(key)));
        if (!named && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            web.UseUrls(Url);
        }

        return builder;
    }
}
