using System.Net;
using System.Text;
using FocusSync.Api.Http;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Http;

/// <summary>A 400 names at most <see cref="Problems.MaxListedFields"/> fields, so a hostile body cannot make a huge answer.</summary>
public sealed class ProblemSizeTests(Apps apps) : IClassFixture<Apps>
{
    private const int MaxProblemBytes = 8 * 1024;

    [Theory]
    [InlineData("POST", "/sessions", "\"title\":\"t\",\"initialDuration\":60,\"dailyGoalMinutes\":1,")]
    [InlineData("POST", "/groups", "\"name\":\"n\",")]
    [InlineData("PATCH", "/me", "")]
    public async Task ABodyOfThousandsOfUnknownKeysGetsAShortProblemListingTwentyOfThem(string method, string path, string validFields)
    {
        var app = await apps.ForAsync(Db.Sqlite);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var keys = Enumerable.Range(0, 5_900).Select(i => $"k{i:D5}").ToArray();
        var body = "{" + validFields + string.Join(",", keys.Select(k => $"\"{k}\":1")) + "}";
        Assert.InRange(Encoding.UTF8.GetByteCount(body), 60_000, 64 * 1024);

        using var response = await client.SendJsonAsync(new HttpMethod(method), path, body);

        var problem = await ApiClient.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.InRange((await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).Length, 1, MaxProblemBytes);
        Assert.Equal(keys.Take(Problems.MaxListedFields), problem.GetProperty("errors").EnumerateObject().Select(e => e.Name));
        Assert.Equal(keys.Length - Problems.MaxListedFields, problem.GetProperty("omittedFields").GetInt32());
        Assert.Contains($"and {keys.Length - Problems.MaxListedFields} more not listed", problem.Str("detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownKeyAsLongAsTheBodyIsQuotedShortened()
    {
        var app = await apps.ForAsync(Db.Sqlite);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var key = new string('k', 60_000);

        using var response = await client.SendJsonAsync(HttpMethod.Post, "/groups", $$"""{"name":"ok","{{key}}":1}""");

        var problem = await ApiClient.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.InRange((await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).Length, 1, MaxProblemBytes);
        var field = Assert.Single(problem.GetProperty("errors").EnumerateObject());
        Assert.StartsWith("kkkk", field.Name, StringComparison.Ordinal);
        Assert.EndsWith("…", field.Name, StringComparison.Ordinal);
        Assert.False(problem.TryGetProperty("omittedFields", out _));
    }
}
