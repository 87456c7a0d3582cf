using System.Text.Json;

namespace FocusSync.Api.Http;

/// <summary>RFC 4180 text (CRLF line ends, a field quoted when it holds a comma, quote or line break), and who asks for it.</summary>
public static class Csv
{
    private static readonly char[] NeedsQuotes = [',', '"', '\r', '\n'];

    /// <summary>Whether the client accepts text/csv and does not prefer JSON to it.</summary>
    public static bool AcceptsCsv(this HttpRequest request)
    {
        var accept = request.GetTypedHeaders().Accept;
        double Quality(string type) => accept
            .Where(a => a.MediaType.Equals(type, StringComparison.OrdinalIgnoreCase))
            .Select(a => a.Quality ?? 1)
            .DefaultIfEmpty(0)
            .Max();
        var csv = Quality("text/csv");
        return csv > 0 && csv >= Quality("application/json");
    }

    public static string Field(string text) =>
        text.IndexOfAny(NeedsQuotes) < 0 ? text : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>A JSON value as the text of a field: a string as it is, null empty, anything else as JSON writes it.</summary>
    public static string Cell(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null or JsonValueKind.Undefined => "",
        _ => value.GetRawText(),
    };

    /// <summary>One record of the texts <paramref name="fields"/>, each quoted as it needs.</summary>
    public static string Line(IEnumerable<string> fields) => string.Join(',', fields.Select(Field)) + "\r\n";
}
