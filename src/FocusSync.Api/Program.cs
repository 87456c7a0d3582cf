using FocusSync.Api.Account;
using FocusSync.Api.Analytics;
using FocusSync.Api.Auth;
using FocusSync.Api.Changes;
using FocusSync.Api.Data;
using FocusSync.Api.Feed;
using FocusSync.Api.Groups;
using FocusSync.Api.Http;
using FocusSync.Api.Observability;
using FocusSync.Api.Realtime;
using FocusSync.Api.Sessions;
using FocusSync.Api.Users;
using FocusSync.Api.Web;

var builder = WebApplication.CreateBuilder(args);

builder.AddDefaultAddress();
builder.AddStructuredLogs();
builder.AddObservability();
builder.AddClock();
builder.AddTrustedProxies();
builder.AddProblemResponses();
builder.AddBrowserSecurity();
builder.AddLimits();
builder.AddRateLimits();
builder.AddFocusSyncData();
builder.AddChangeFeed();
builder.AddFirebaseAuth();
builder.AddRealtime();
builder.AddDueWork();
builder.AddHealth();
builder.AddApiDocs();
builder.AddWebClient();

var app = builder.Build();

// Order matters: the caller's address before anything reads it, problems for all that follows, the body cap
// before any body is read, and rate limits once the caller is known.
app.UseTrustedProxies();
app.UseProblemResponses();
app.UseBrowserSecurity();
app.UseRequestBodyLimit();
app.UseWebClient();
app.UseAuthentication();
app.UseRateLimits();
app.UseAuthorization();

app.MapApiDocs();
app.MapHealth();
app.MapMetrics();
app.MapDevTokens();
app.MapUsers();
app.MapAccount();
app.MapSessions();
app.MapChangeFeed();
app.MapSync();
app.MapGroups();
app.MapAnalytics();
app.MapRealtime();

if (await app.PrepareFocusSyncDataAsync(args))
{
    await app.RunAsync();
}

public partial class Program;
