using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FocusSync.Api.Http;

/// <summary>
/// A JSON object body, parsed and checked to hold only decodable text, with the errors found in its fields:
/// <see cref="BodySchema"/> reads it field by field, so that every 400 names the field at fault (a wrong type
/// included) instead of failing on the first deserialisation error.
/// </summary>
public sealed class JsonFields
{
    private static readonly JsonNodeOptions NodeOptions = new() { PropertyNameCaseInsensitive = false };
    private static readonly JsonDocumentOptions DocumentOptions = new() { AllowDuplicateProperties = false };
    private readonly JsonObject _body;

    private JsonFields(JsonObject body) => _body = body;

    public Dictionary<string, string[]> Errors { get; } = [];
    public bool IsValid => Errors.Count == 0;

    /// <summary>The body with its keys in ordinal order at every level: equal for bodies that differ only in key order or whitespace.</summary>
    public string Canonical => Sorted(_body)!.ToJsonString();

    /// <summary>An object inside a body already read, such as one item of a list.</summary>
    public static JsonFields Of(JsonObject body) => new(body);

    /// <summary>
    /// Query parameters as the fields of a body: a whole number as a number, anything else as text (which a
    /// number field then refuses, naming it); a parameter given twice is refused.
    /// </summary>
    public static JsonFields FromQuery(IQueryCollection query)
    {
        var body = new JsonObject();
        var twice = new List<string>();
        foreach (var (name, values) in query)
        {
            if (values.Count > 1)
            {
                twice.Add(name);
                continue;
            }

            var text = values.ToString();
            body[name] = long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
                ? JsonValue.Create(number)
                : JsonValue.Create(text);
        }

        var fields = new JsonFields(body);
        twice.ForEach(name => fields.Fail(name, $"'{Problems.FieldName(name)}' is given more than once."));
        return fields;
    }

    /// <summary>
    /// Reads the body as a JSON object. With <paramref name="mayBeEmpty"/>, a request that sends no body at all
    /// reads as an empty object.
    /// </summary>
    public static async Task<(JsonFields? Fields, Dictionary<string, string[]>? Errors)> ReadAsync(
        HttpRequest request, bool mayBeEmpty, CancellationToken cancellationToken)
    {
        var stream = request.Body;
        if (mayBeEmpty)
        {
            if (request.ContentLength == 0 || await NothingToReadAsync(request.BodyReader, cancellationToken))
            {
                return (new JsonFields(new JsonObject()), null);
            }

            // The reader holds what it looked at: the body is read on through it.
            stream = request.BodyReader.AsStream();
        }

        try
        {
            var node = await JsonNode.ParseAsync(stream, NodeOptions, DocumentOptions, cancellationToken);
            if (node is not JsonObject body)
            {
                return (null, new() { ["body"] = ["The body must be a JSON object."] });
            }

            return UnreadableText(body) is { } errors ? (null, errors) : (new JsonFields(body), null);
        }
        catch (JsonException ex)
        {
            return (null, new() { ["body"] = [$"The body is not valid JSON: {ex.Message}"] });
        }
        catch (InvalidOperationException)
        {
            // Thrown while parsing when a field name must be decoded (to find duplicates) and cannot be.
            return (null, new() { ["body"] = ["A field name is not valid Unicode."] });
        }
    }

    /// <summary>Whether a body of no declared length ends before its first byte; what was read stays to be read again.</summary>
    private static async Task<bool> NothingToReadAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        var read = await reader.ReadAsync(cancellationToken);
        reader.AdvanceTo(read.Buffer.Start);
        return read.IsCompleted && read.Buffer.IsEmpty;
    }

    /// <summary>
    /// The parser checks a string value's syntax but decodes it only when it is read: an unpaired surrogate
    /// escape or invalid UTF-8 would fail later, deep in a handler. Every string is decoded here instead
    /// (field names are decoded while parsing, to find duplicates).
    /// </summary>
    private static Dictionary<string, string[]>? UnreadableText(JsonObject body)
    {
        foreach (var (name, value) in body)
        {
            try
            {
                Decode(value);
            }
            catch (InvalidOperationException)
            {
                return new() { [name] = [$"'{Problems.FieldName(name)}' holds text that is not valid Unicode."] };
            }
        }

        return null;
    }

    private static void Decode(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject fields:
                foreach (var (_, value) in fields)
                {
                    Decode(value);
                }

                break;
            case JsonArray items:
                foreach (var item in items)
                {
                    Decode(item);
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                value.GetValue<string>();
                break;
        }
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject body => new JsonObject(body
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray items => new JsonArray([.. items.Select(Sorted)]),
        _ => node?.DeepClone(),
    };

    /// <summary>The names of the body's fields, in the order sent.</summary>
    public IEnumerable<string> Names => _body.Select(pair => pair.Key);

    /// <summary>Whether the body holds the field; <paramref name="value"/> is null when the field is JSON null.</summary>
    public bool TryGet(string name, out JsonNode? value) => _body.TryGetPropertyValue(name, out value);

    public void Fail(string name, string message) =>
        Errors[name] = Errors.TryGetValue(name, out var existing) ? [.. existing, message] : [message];
}
