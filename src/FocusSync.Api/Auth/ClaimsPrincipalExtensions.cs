using System.Buffers;
using System.Globalization;
using System.Security.Claims;
using System.Text;
using FocusSync.Api.Data;

namespace FocusSync.Api.Auth;

/// <summary>Claim types of a Firebase ID token, kept unmapped (MapInboundClaims is off).</summary>
public static class FirebaseClaimTypes
{
    public const string Subject = "sub";
    public const string Name = "name";
    public const string Email = "email";

    /// <summary>The token's expiry in Unix seconds: a hub connection ends when the token it was opened with expires.</summary>
    public const string Expires = "exp";
}

public static class ClaimsPrincipalExtensions
{
    /// <summary>The Firebase uid (<c>sub</c>) of an authenticated user.</summary>
    public static string UserId(this ClaimsPrincipal user) =>
        user.FindFirstValue(FirebaseClaimTypes.Subject)
        ?? throw new InvalidOperationException("The user has no sub claim; is the endpoint authorized?");

    /// <summary>The token's name as the users table can hold it.</summary>
    public static string? Name(this ClaimsPrincipal user) =>
        ClaimText.Fit(user.FindFirstValue(FirebaseClaimTypes.Name), User.MaxNameLength);

    /// <summary>The token's email as the users table can hold it.</summary>
    public static string? Email(this ClaimsPrincipal user) =>
        ClaimText.Fit(user.FindFirstValue(FirebaseClaimTypes.Email), User.MaxEmailLength);

    /// <summary>When the token the user signed in with expires; null for a principal that holds no expiry.</summary>
    public static DateTimeOffset? TokenExpires(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(FirebaseClaimTypes.Expires), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}

/// <summary>
/// Token text made storable. PostgreSQL refuses NUL and text longer than the column, and the user row is
/// written with the claims on login, so such a claim would fail every request of that user.
/// </summary>
public static class ClaimText
{
    /// <summary>
    /// The text without control characters (an unpaired surrogate becomes U+FFFD), cut after the last whole
    /// text element that fits in <paramref name="maxLength"/> UTF-16 units (never fewer than the characters
    /// PostgreSQL counts); null when nothing is left.
    /// </summary>
    public static string? Fit(string? value, int maxLength)
    {
        if (value is null)
        {
            return null;
        }

        var clean = IsClean(value) ? value : WithoutControlCharacters(value);
        var end = 0;
        while (end < clean.Length)
        {
            var next = end + StringInfo.GetNextTextElementLength(clean, end);
            if (next > maxLength)
            {
                break;
            }

            end = next;
        }

        return end == 0 ? null : clean[..end];
    }

    /// <summary>Whether the text holds neither a control character nor an unpaired surrogate.</summary>
    public static bool IsClean(ReadOnlySpan<char> value)
    {
        while (!value.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(value, out var rune, out var length) != OperationStatus.Done || Rune.IsControl(rune))
            {
                return false;
            }

            value = value[length..];
        }

        return true;
    }

    private static string WithoutControlCharacters(string value)
    {
        var clean = new StringBuilder(value.Length);
        Span<char> units = stackalloc char[2];
        foreach (var rune in value.EnumerateRunes())
        {
            if (!Rune.IsControl(rune))
            {
                clean.Append(units[..rune.EncodeToUtf16(units)]);
            }
        }

        return clean.ToString();
    }
}
