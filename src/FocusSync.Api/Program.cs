using FocusSync.Api.Auth;
using FocusSync.Api.Data;
using FocusSync.Api.Groups;
using FocusSync.Api.Http;
using FocusSync.Api.Realtime;
using FocusSync.Api.Sessions;
using FocusSync.Api.Users;

var builder = WebApplication.CreateBuilder(args);

builder.AddFocusSyncApi();
builder.AddFocusSyncData();
builder.AddFirebaseAuth();
builder.AddRealtime();

var app = builder.Build();

app.UseFocusSyncApi();
app.UseAuthentication();
app.UseAuthorization();

app.MapDevTokens();
app.MapUsers();
app.MapSessions();
app.MapGroups();
app.MapRealtime();

if (await app.PrepareFocusSyncDataAsync(args))
{
    await app.RunAsync();
}

public partial class Program;
