using FocusSync.Client;

namespace FocusSync.Cli;

/// <summary><c>focussync login</c>: signs in with a Firebase ID token, or on a development server by name, and keeps the profile.</summary>
internal static class LoginCommand
{
    public static async Task<int> RunAsync(CliContext context, string server, string? token, string? dev, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if ((token is null) == (dev is null))
        {
            throw new CliException(ExitCodes.Usage, "login: give either --token (a Firebase ID token) or --dev NAME (a development server's sign-in).");
        }

        if (!Uri.TryCreate(server.EndsWith('/') ? server : server + "/", UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            throw new CliException(ExitCodes.Refused, $"--server: '{server}' is not an http or https address.");
        }

        Profile profile;
        try
        {
            if (dev is not null)
            {
                if (string.IsNullOrWhiteSpace(dev))
                {
                    throw new CliException(ExitCodes.Refused, "--dev: give the name to sign in as.");
                }

                using var anonymous = new HttpClient { BaseAddress = address, Timeout = timeout };
                var issued = await Account.DevelopmentTokenAsync(anonymous, dev, cancellationToken);
                profile = new Profile(address, dev, issued.Token) { DevName = dev, ExpiresAtMs = issued.ExpiresAtMs };
            }
            else
            {
                var (uid, expires) = Jwt.Claims(token!);
                profile = new Profile(address, uid, token!) { ExpiresAtMs = expires };
            }

            using var client = new FocusSyncClient(new HttpClient { BaseAddress = address, Timeout = timeout }, _ => ValueTask.FromResult(profile.Token));
            var user = await client.LoginAsync(cancellationToken);
            ProfileFile.Save(context.ConfigDirectory, profile);
            await context.Out.WriteLineAsync($"signed in as {user.Name ?? user.Id} ({user.Id}) on {address}");
            return ExitCodes.Ok;
        }
        catch (FocusSyncApiException e) when (e.Status == System.Net.HttpStatusCode.Unauthorized)
        {
            throw new CliException(ExitCodes.Refused, "--token: the server refused the token (expired, or issued for another project): get a fresh Firebase ID token.");
        }
        catch (Exception e) when (Account.IsUnreachable(e, cancellationToken))
        {
            throw new CliException(ExitCodes.Unreachable, $"--server: {address} cannot be reached ({e.Message}).");
        }
    }
}
