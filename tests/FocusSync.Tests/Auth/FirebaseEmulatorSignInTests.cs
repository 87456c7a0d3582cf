using System.Net;
using System.Net.Http.Json;
using FocusSync.Api.Auth;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc;

namespace FocusSync.Tests.Auth;

/// <summary>
/// ID tokens from a real Firebase Auth emulator (<c>FOCUSSYNC_TEST_FIREBASE_EMULATOR</c>, started by <c>.ci/run</c>)
/// on the service that trusts it (<c>FIREBASE_AUTH_EMULATOR_HOST</c>), and on one that does not.
/// </summary>
public sealed class FirebaseEmulatorSignInTests
{
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnEmulatorUsersTokenSignsInOnTheApiAndTheHub(Db db)
    {
        var emulator = FirebaseEmulator.Require();
        await using var app = await FocusSyncApp.StartAsync(db, EmulatorApp(emulator));
        var user = await emulator.CreateUserAsync();
        using var api = app.ClientFor(user.Uid, user.IdToken);

        var me = await api.LoginAsync();
        Assert.Equal(user.Uid, me.Id);
        Assert.Equal(user.Email, me.Email);

        var token = await emulator.SignInAsync(user.Email);
        await using var hub = app.HubClientFor(() => token, HttpTransportType.WebSockets);
        await hub.Connection.StartAsync(TestContext.Current.CancellationToken);
        var created = await api.CreateSessionAsync("Read the spec");
        var heard = await hub.NextAsync();
        Assert.Equal("addSession", heard.Type());
        Assert.Equal(created.Id, heard.GetProperty("session").Id());
        Assert.Equal(created.Id, (await api.ListAsync()).Sessions[0].Id);
    }

    [Fact]
    public async Task AnEmulatorTokenIsRefusedByAServiceThatDoesNotTrustTheEmulator()
    {
        var emulator = FirebaseEmulator.Require();
        var settings = emulator.Settings.Where(setting => setting.Key != AuthStartupGuard.EmulatorHostVariable).ToDictionary();
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite, EmulatorApp(emulator) with { Settings = settings });
        var user = await emulator.CreateUserAsync();
        using var api = app.ClientFor(user.Uid, user.IdToken);

        using var response = await api.PostAsync("/me/login", content: null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains("The token is not a signed compact JWT", problem?.Detail, StringComparison.Ordinal);
    }

    /// <summary>The service trusting <paramref name="emulator"/>; on the real clock, as the emulator's tokens are.</summary>
    internal static AppOptions EmulatorApp(FirebaseEmulator emulator) => new()
    {
        SignIn = SignIn.AsConfigured,
        Settings = emulator.Settings,
        RealClock = true,
        DueWork = false,
    };
}

[CollectionDefinition(nameof(FirebaseEmulatorUsersCollection), DisableParallelization = true)]
public sealed class FirebaseEmulatorUsersCollection;

/// <summary>Tests that delete every user of the emulator, so they run while no other test signs in there.</summary>
[Collection(nameof(FirebaseEmulatorUsersCollection))]
public sealed class FirebaseEmulatorRevocationTests
{
    /// <summary>
    /// The service checks an ID token offline (signature, or none for the emulator, and claims), as Firebase's tokens
    /// are meant to be: a user deleted or signed out keeps a working token until its exp (an hour at most).
    /// </summary>
    [Fact]
    public async Task ATokenStaysValidUntilItExpiresEvenAfterTheEmulatorForgetsItsUser()
    {
        var emulator = FirebaseEmulator.Require();
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite, FirebaseEmulatorSignInTests.EmulatorApp(emulator));
        var user = await emulator.CreateUserAsync();
        using var api = app.ClientFor(user.Uid, user.IdToken);
        await api.LoginAsync();

        await emulator.ClearUsersAsync();

        await Assert.ThrowsAsync<HttpRequestException>(() => emulator.SignInAsync(user.Email));
        Assert.Equal(user.Uid, (await api.MeAsync()).Id);
    }
}
