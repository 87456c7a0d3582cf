using System.Text.Json;
using System.Text.Json.Nodes;
using FocusSync.Api.Data;

namespace FocusSync.Api.Http;

/// <summary>
/// Reads a JSON object body field by field, collecting one error per bad field, so that every 400
/// names the field at fault (a wrong type included) instead of failing on the first deserialisation error.
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

    public static async Task<(JsonFields? Fields, Dictionary<string, string[]>? Errors)> ReadAsync(
        HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var node = await JsonNode.ParseAsync(request.Body, NodeOptions, DocumentOptions, cancellationToken);
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

    public bool Has(string name) => _body.ContainsKey(name);

    public bool IsNull(string name) => _body.TryGetPropertyValue(name, out var node) && node is null;

    public void OnlyAllow(params string[] allowed)
    {
        foreach (var (name, _) in _body)
        {
            if (!allowed.Contains(name, StringComparer.Ordinal))
            {
                Fail(name, $"'{Problems.FieldName(name)}' cannot be set here; allowed fields: {string.Join(", ", allowed)}.");
            }
        }
    }

    /// <summary>A string that <paramref name="rule"/> lets every database store, or null after recording why not.</summary>
    public string? String(string name, TextRule rule, bool required)
    {
        if (!Present(name, required))
        {
            return null;
        }

        if (_body[name] is not JsonValue value || !value.TryGetValue<string>(out var text))
        {
            return Fail<string>(name, $"'{name}' must be a string.");
        }

        return rule.Problem(name, text) is { } problem ? Fail<string>(name, problem) : text;
    }

    /// <summary>A string of <paramref name="minLength"/> to <paramref name="maxLength"/> UTF-16 code units, for identifiers and codes.</summary>
    public string? String(string name, int minLength, int maxLength, bool required) =>
        String(name, new TextRule(minLength, maxLength) { UnitsPerCharacter = 1 }, required);

    public int? Int(string name, int min, int max, bool required)
    {
        var number = Long(name, required);
        if (number is null)
        {
            return null;
        }

        if (number < min || number > max)
        {
            Fail(name, $"'{name}' must be a whole number from {min} to {max}.");
            return null;
        }

        return (int)number;
    }

    public long? Long(string name, bool required)
    {
        if (!Present(name, required))
        {
            return null;
        }

        if (_body[name] is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<long>(out var number))
        {
            return number;
        }

        Fail(name, $"'{name}' must be a whole number.");
        return null;
    }

    public bool? Bool(string name, bool required)
    {
        if (!Present(name, required))
        {
            return null;
        }

        if (_body[name] is JsonValue value && value.TryGetValue<bool>(out var flag))
        {
            return flag;
        }

        Fail(name, $"'{name}' must be true or false.");
        return null;
    }

    public void Fail(string name, string message) =>
        Errors[name] = Errors.TryGetValue(name, out var existing) ? [.. existing, message] : [message];

    private T? Fail<T>(string name, string message)
        where T : class
    {
        Fail(name, message);
        return null;
    }

    private bool Present(string name, bool required)
    {
        if (_body.TryGetPropertyValue(name, out var node) && node is not null)
        {
            return true;
        }

        if (required)
        {
            Fail(name, $"'{name}' is required.");
        }

        return false;
    }
}
