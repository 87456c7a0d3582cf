using System.Globalization;
using System.Text;

namespace FocusSync.Api.Http;

/// <summary>
/// What a stored text field accepts. Its length counts text elements — what a person sees as one character,
/// an emoji with its modifiers or a letter with its accents — as the contract's "characters" means. The same
/// rule validates requests, words the errors and the API description, and sizes the column.
/// </summary>
public sealed record TextRule(int MinLength, int MaxLength)
{
    /// <summary>
    /// UTF-16 code units the column holds per character. A text element has no size limit of its own (a letter
    /// may carry any number of combining marks), so the column is sized for this many on average and longer
    /// text is refused as too large to store. 1 makes the limit one of code units, for text that is not prose.
    /// </summary>
    public int UnitsPerCharacter { get; init; } = 8;

    // Letters and symbols that render as nothing, beside whitespace, format characters and marks.
    private static readonly int[] Fillers = [0x115F, 0x1160, 0x2800, 0x3164, 0xFFA0];

    public int MaxUnits => MaxLength * UnitsPerCharacter;

    /// <summary>The rule in words, for error messages and the API description.</summary>
    public string Description =>
        (MinLength > 0 ? $"{MinLength} to {MaxLength} characters with at least one visible character" : $"at most {MaxLength} characters")
        + "; no control characters but tab, line feed and carriage return";

    /// <summary>Why <paramref name="text"/> cannot be stored in <paramref name="field"/>, or null when it can.</summary>
    public string? Problem(string field, string text)
    {
        foreach (var c in text)
        {
            // PostgreSQL cannot store U+0000 at all; the other control characters are refused alike on every database.
            // Tab and line breaks are text a person may paste (and the CSV export quotes), so they stay.
            if (char.IsControl(c) && c is not ('\t' or '\n' or '\r'))
            {
                return $"'{field}' contains the control character U+{(int)c:X4}; it must be {Description}.";
            }
        }

        if (text.Length > MaxUnits)
        {
            return $"'{field}' is {text.Length} UTF-16 code units long, more than the {MaxUnits} it may store; it must be {Description}.";
        }

        var length = new StringInfo(text).LengthInTextElements;
        if (length < MinLength || length > MaxLength)
        {
            return $"'{field}' has {length} characters; it must be {Description}.";
        }

        return MinLength > 0 && !text.EnumerateRunes().Any(IsVisible)
            ? $"'{field}' has no visible character; it must be {Description}."
            : null;
    }

    private static bool IsVisible(Rune rune) =>
        Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.NonSpacingMark
                or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => false,
            _ => !Fillers.Contains(rune.Value),
        };
}

/// <summary>The rules of every text field a person writes, each defined once.</summary>
public static class StoredText
{
    public static readonly TextRule SessionTitle = new(1, 200);
    public static readonly TextRule GroupName = new(1, 100);
    public static readonly TextRule GroupDescription = new(0, 1000);

    /// <summary>
    /// An Idempotency-Key travels in a header and is compared as sent, so it is plain printable ASCII
    /// (what an HTTP server accepts in a header anyway): its length in characters is its length in bytes.
    /// </summary>
    public const int IdempotencyKeyMaxLength = 200;

    public static string IdempotencyKeyDescription =>
        $"1 to {IdempotencyKeyMaxLength} printable ASCII characters (U+0020 to U+007E)";

    public static bool IsValidIdempotencyKey(string key) =>
        key.Length is >= 1 and <= IdempotencyKeyMaxLength && key.All(c => c is >= ' ' and <= '~');
}
