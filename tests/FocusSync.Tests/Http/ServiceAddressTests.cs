using System.Text.Json;
using FocusSync.Api.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace FocusSync.Tests.Http;

public sealed class ServiceAddressTests
{
    [Fact]
    public void WithoutAnAddressTheServiceListensOnLocalhost5080()
    {
        var builder = Builder([]);

        builder.AddDefaultAddress();

        Assert.Equal("http://localhost:5080", builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey));
    }

    [Theory]
    [InlineData("urls", "http://localhost:5090")]
    [InlineData("http_ports", "8080")]
    [InlineData("https_ports", "8443")]
    [InlineData("Kestrel:Endpoints:Http:Url", "http://localhost:5093")]
    public void AnAddressGivenByUrlsPortsOrKestrelIsKept(string key, string value)
    {
        var builder = Builder(new() { [key] = value });

        builder.AddDefaultAddress();

        Assert.Equal(key == "urls" ? value : null, builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey));
    }

    [Fact]
    public void TheLaunchProfileLeavesTheAddressToTheService()
    {
        // A profile's applicationUrl becomes ASPNETCORE_URLS under dotnet run, hiding the caller's own.
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "FocusSync.slnx")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        using var launch = JsonDocument.Parse(File.ReadAllText(
            Path.Combine(root.FullName, "src", "FocusSync.Api", "Properties", "launchSettings.json")));
        foreach (var profile in launch.RootElement.GetProperty("profiles").EnumerateObject())
        {
            Assert.False(profile.Value.TryGetProperty("applicationUrl", out _), $"the profile {profile.Name} sets applicationUrl");
        }
    }

    /// <summary>A builder that sees only <paramref name="settings"/>, not the machine's variables or command line.</summary>
    private static WebApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }
}
