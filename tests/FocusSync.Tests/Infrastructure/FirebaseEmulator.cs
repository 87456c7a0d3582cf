using System.Net.Http.Json;
using FocusSync.Api.Auth;

namespace FocusSync.Tests.Infrastructure;

/// <summary>
/// The Firebase Auth emulator at <c>FOCUSSYNC_TEST_FIREBASE_EMULATOR</c> (started by <c>.ci/run</c> for the project
/// <see cref="ProjectId"/>), through its REST API: users with an email and a password, and their ID tokens, which are
/// unsigned JWTs with Firebase's <c>aud</c> and <c>iss</c>.
/// </summary>
public sealed class FirebaseEmulator
{
    /// <summary>A <c>demo-</c> project: the emulator then never reaches a real Firebase project.</summary>
    public const string ProjectId = "demo-focussync";

    public const string Password = "correct horse battery staple";

    // The emulator takes any API key.
    private const string Key = "?key=" + Api.Web.WebClient.EmulatorApiKey;

    private static readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private FirebaseEmulator(string host)
    {
        Host = host;
        Url = new Uri($"http://{host}/");
    }

    /// <summary>The emulator's host:port, as <c>FIREBASE_AUTH_EMULATOR_HOST</c> holds it.</summary>
    public string Host { get; }

    public Uri Url { get; }

    /// <summary>The service's sign-in against this emulator: Firebase mode, its project, and the emulator's host.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Auth:Mode"] = "Firebase",
        ["Auth:Firebase:ProjectId"] = ProjectId,
        [AuthStartupGuard.EmulatorHostVariable] = Host,
    };

    /// <summary>The configured emulator; skips the running test without one, or fails it when services are required.</summary>
    public static FirebaseEmulator Require() => new(TestServices.RequireFirebaseEmulator());

    /// <summary>A new user with a unique email and <see cref="Password"/>, signed in: its uid and a fresh ID token.</summary>
    public async Task<EmulatorUser> CreateUserAsync(string? email = null)
    {
        email ??= $"user-{Guid.NewGuid():N}@example.com";
        var account = await PostAsync("accounts:signUp", new { email, password = Password, returnSecureToken = true });
        return new EmulatorUser(account.LocalId, email, account.IdToken);
    }

    /// <summary>A fresh ID token of the user with this email and password.</summary>
    public async Task<string> SignInAsync(string email, string password = Password) =>
        (await PostAsync("accounts:signInWithPassword", new { email, password, returnSecureToken = true })).IdToken;

    /// <summary>Deletes every user of <see cref="ProjectId"/>; only for tests that run alone, as others' users go too.</summary>
    public async Task ClearUsersAsync()
    {
        using var response = await _http.DeleteAsync(new Uri(Url, $"emulator/v1/projects/{ProjectId}/accounts"));
        await EnsureSuccessAsync(response);
    }

    private async Task<Account> PostAsync(string method, object body)
    {
        using var response = await _http.PostAsJsonAsync(new Uri(Url, $"identitytoolkit.googleapis.com/v1/{method}{Key}"), body);
        await EnsureSuccessAsync(response);
        return await response.Content.ReadFromJsonAsync<Account>()
            ?? throw new InvalidOperationException($"The emulator answered {method} with an empty body.");
    }

    /// <summary>Fails with the emulator's own error text, which names what it refused.</summary>
    private static async Task EnsureSuccessAsync(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            var error = await response.Content.ReadAsStringAsync();
            throw new HttpRequestException(
                $"The Firebase Auth emulator answered {(int)response.StatusCode} to {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {error}");
        }
    }

    private sealed record Account(string LocalId, string IdToken);
}

/// <summary>A user of the emulator: its uid (the token's <c>sub</c>), its email and an ID token from its sign-up.</summary>
public sealed record EmulatorUser(string Uid, string Email, string IdToken);
