using System.Net;
using System.Net.Http.Headers;
using System.Text;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Http;

public sealed class RequestBodyLimitTests(Apps apps) : IClassFixture<Apps>
{
    private const int Limit = 64 * 1024;

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ADeclaredBodyOverTheLimitIsA413NamingTheLimit(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        using var content = new StringContent(OversizedSession(), Encoding.UTF8, "application/json");

        using var response = await client.PostAsync("/sessions", content, TestContext.Current.CancellationToken);

        var detail = await ApiClient.AssertProblemDetailAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains($"{Limit} bytes", detail, StringComparison.Ordinal);
        Assert.Contains("Limits:MaxRequestBodyBytes", detail, StringComparison.Ordinal);
        await AssertNoSessionsAsync(client);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AChunkedBodyThatGrowsPastTheLimitIsA413NamingTheLimit(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(OversizedSession())));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/sessions") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        var detail = await ApiClient.AssertProblemDetailAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("Limits:MaxRequestBodyBytes", detail, StringComparison.Ordinal);
        await AssertNoSessionsAsync(client);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ABodyJustUnderTheLimitIsReadAsUsual(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var json = """{"title":"Write","initialDuration":1500,"dailyGoalMinutes":60}""";
        var padded = json.Insert(json.Length - 1, new string(' ', Limit - json.Length - 1));
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(padded)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/sessions") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static string OversizedSession() =>
        $$"""{"title":"{{new string('x', Limit)}}","initialDuration":1500,"dailyGoalMinutes":60}""";

    private static async Task AssertNoSessionsAsync(HttpClient client)
    {
        var list = await client.GetStringAsync("/sessions");
        Assert.Contains("\"sessions\":[]", list, StringComparison.Ordinal);
    }
}
