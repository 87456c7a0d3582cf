using FocusSync.Api.Analytics;
using FocusSync.Api.Auth;
using FocusSync.Api.Data;
using FocusSync.Api.Feed;
using FocusSync.Api.Groups;
using FocusSync.Api.Http;
using FocusSync.Api.Realtime;
using FocusSync.Api.Sessions;
using FocusSync.Api.Users;

var builder = WebApplication.CreateBuilder(args);

builder.AddTrustedProxies();
builder.AddFocusSyncApi();
builder.AddRateLimits();
builder.AddFocusSyncData();
builder.AddChangeFeed();
builder.AddFirebaseAuth();
builder.AddRealtime();
builder.AddWebClient();

var app = builder.Build();

app.UseTrustedProxies();
app.UseFocusSyncApi();
app.UseWebClient();
app.UseAuthentication();
app.UseRateLimits();
app.UseAuthorization();

app.MapDevTokens();
app.MapUsers();
app.MapSessions();
app.MapChangeFeed();
app.MapGroups();
app.MapAnalytics();
app.MapRealtime();

if (await app.PrepareFocusSyncDataAsync(args))
{
    await app.RunAsync();
}

public partial class Program;
