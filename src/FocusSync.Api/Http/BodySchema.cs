using System.Collections.Concurrent;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace FocusSync.Api.Http;

/// <summary>The field is text a person writes, under the rule of that name in <see cref="StoredText"/>.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class TextAttribute(string rule) : Attribute
{
    public TextRule Rule { get; } =
        typeof(StoredText).GetField(rule, BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as TextRule
        ?? throw new ArgumentException($"{nameof(StoredText)} has no text rule named {rule}.", nameof(rule));
}

/// <summary>A request of this record may send no body at all, which means an empty object.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class OptionalBodyAttribute : Attribute;

/// <summary>A check that says in words what it accepts: the field's description in the API, and its error.</summary>
public interface IDescribedCheck
{
    string Description { get; }
}

/// <summary>An idempotency key in a body: the rule of the Idempotency-Key header (<see cref="StoredText.IsValidIdempotencyKey"/>).</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class IdempotencyKeyAttribute : ValidationAttribute, IDescribedCheck
{
    public string Description => StoredText.IdempotencyKeyDescription;

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is string key && !StoredText.IsValidIdempotencyKey(key)
            ? new ValidationResult($"'{validationContext.MemberName}' must be {Description}.")
            : ValidationResult.Success;
}

/// <summary>A field whose null means something (clear the value): <see cref="IsSet"/> is false when the body leaves it out.</summary>
public readonly record struct Optional<T>(T Value)
{
    public bool IsSet { get; } = true;
}

/// <summary>
/// What a request record accepts, read once from its constructor's parameters: each one is a field, named in
/// camelCase, with its limits in attributes — <see cref="RequiredAttribute"/>, <see cref="TextAttribute"/> or
/// <see cref="LengthAttribute"/> on text, <see cref="RangeAttribute"/> on numbers, <see cref="LengthAttribute"/> on a
/// list of records (each read by its own schema, its errors named <c>list[i].field</c>), any other validation
/// attribute, <see cref="DisallowNullAttribute"/> where a field may be left out but not set to null, and a
/// <see cref="DescriptionAttribute"/> where the limits alone do not say what the field holds. A field may also be a
/// <see cref="JsonObject"/>, which the record's rules read. A record that is an <see cref="IValidatableObject"/> adds
/// its rules across fields. The same schema reads bodies, words their errors and describes the record in the
/// OpenAPI document.
/// </summary>
public sealed class BodySchema
{
    private static readonly ConcurrentDictionary<Type, BodySchema> Schemas = new();
    private readonly ConstructorInfo _constructor;
    private readonly BodyField[] _fields;
    private readonly string _allowed;

    private BodySchema(Type type)
    {
        _constructor = type.GetConstructors() is [var constructor]
            ? constructor
            : throw new InvalidOperationException($"{type.Name} must have one public constructor, whose parameters are its fields.");
        _fields = [.. _constructor.GetParameters().Select(p => new BodyField(type, p))];
        _allowed = string.Join(", ", _fields.Select(f => f.Name));
        BodyOptional = type.IsDefined(typeof(OptionalBodyAttribute));
    }

    /// <summary>Whether a request may send no body at all (<see cref="OptionalBodyAttribute"/>).</summary>
    public bool BodyOptional { get; }

    /// <summary>The fields in words, one sentence each, for the API description.</summary>
    public string Description => string.Join(" ", _fields.Select(f => $"'{f.Name}': {f.Description}."));

    public static BodySchema Of(Type type) => Schemas.GetOrAdd(type, t => new BodySchema(t));

    /// <summary>The schema of a type that request bodies are bound to, or null for any other type.</summary>
    internal static BodySchema? Find(Type type) => Schemas.GetValueOrDefault(type);

    /// <summary>The record the body holds, or null after recording in <see cref="JsonFields.Errors"/> every field at fault.</summary>
    public object? Read(JsonFields body)
    {
        foreach (var name in body.Names.Where(n => !_fields.Any(f => f.Name == n)))
        {
            body.Fail(name, $"'{Problems.FieldName(name)}' cannot be set here; allowed fields: {_allowed}.");
        }

        var record = _constructor.Invoke([.. _fields.Select(f => f.Read(body))]);
        if (record is IValidatableObject whole)
        {
            // A field already at fault has its own error; what a rule across fields says of it would only echo that.
            var faulty = body.Errors.Keys.ToHashSet();
            foreach (var result in whole.Validate(new ValidationContext(record)))
            {
                foreach (var member in result.MemberNames.Select(JsonNamingPolicy.CamelCase.ConvertName).Where(m => !faulty.Contains(m)))
                {
                    body.Fail(member, result.ErrorMessage ?? $"'{member}' is not valid.");
                }
            }
        }

        return body.IsValid ? record : null;
    }

    /// <summary>Makes <paramref name="schema"/>, generated for the record, say exactly what <see cref="Read"/> accepts.</summary>
    public void Describe(OpenApiSchema schema)
    {
        schema.Type = JsonSchemaType.Object;
        schema.AdditionalPropertiesAllowed = false;
        schema.AdditionalProperties = null;
        schema.Required = _fields.Where(f => f.IsRequired).Select(f => f.Name).ToHashSet();
        var generated = schema.Properties;
        schema.Properties = _fields.ToDictionary(
            f => f.Name, f => (IOpenApiSchema)f.Schema(generated is not null && generated.TryGetValue(f.Name, out var made) ? made : null));
    }

    private sealed class BodyField
    {
        private readonly Type _parameterType;
        private readonly Type _type;
        private readonly bool _isOptional;
        private readonly bool _disallowsNull;
        private readonly TextRule? _text;
        private readonly (long Min, long Max)? _range;
        private readonly BodySchema? _items;
        private readonly (int Min, int Max)? _count;
        private readonly ValidationAttribute[] _checks;
        private readonly string? _description;

        public BodyField(Type record, ParameterInfo parameter)
        {
            Name = JsonNamingPolicy.CamelCase.ConvertName(parameter.Name!);
            _parameterType = parameter.ParameterType;
            _isOptional = _parameterType.IsGenericType && _parameterType.GetGenericTypeDefinition() == typeof(Optional<>);
            var valueType = _isOptional ? _parameterType.GetGenericArguments()[0] : _parameterType;
            _type = Nullable.GetUnderlyingType(valueType) ?? valueType;
            IsRequired = parameter.IsDefined(typeof(RequiredAttribute));
            _disallowsNull = parameter.IsDefined(typeof(DisallowNullAttribute));
            var length = parameter.GetCustomAttribute<LengthAttribute>();
            _items = _type.IsGenericType && _type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>)
                ? Of(_type.GetGenericArguments()[0])
                : null;
            _count = _items is not null && length is not null ? (length.MinimumLength, length.MaximumLength) : null;
            _text = parameter.GetCustomAttribute<TextAttribute>()?.Rule
                ?? (_items is null && length is not null
                    ? new TextRule(length.MinimumLength, length.MaximumLength) { UnitsPerCharacter = 1 }
                    : null);
            _range = parameter.GetCustomAttribute<RangeAttribute>() is { } range
                ? (Convert.ToInt64(range.Minimum, CultureInfo.InvariantCulture), Convert.ToInt64(range.Maximum, CultureInfo.InvariantCulture))
                : null;
            _checks = [.. parameter.GetCustomAttributes<ValidationAttribute>()
                .Where(a => a is not (RequiredAttribute or LengthAttribute or RangeAttribute))];
            _description = parameter.GetCustomAttribute<DescriptionAttribute>()?.Description
                ?? _checks.OfType<IDescribedCheck>().FirstOrDefault()?.Description;

            // Every field is bounded: text by a length, a 32-bit number by a range that the column holds, a list by a count.
            var problem = _type switch
            {
                _ when _type == typeof(string) => _text is null ? "needs [Text] or [Length]" : null,
                _ when _type == typeof(int) => _range is null ? "needs [Range]" : null,
                _ when _items is not null => _count is null ? "needs [Length]" : null,
                _ when _type == typeof(long) || _type == typeof(bool) || _type == typeof(JsonObject) => null,
                _ => "must be text, a whole number, a boolean, an object or a list of records",
            };
            if (problem is not null)
            {
                throw new InvalidOperationException($"The field {record.Name}.{parameter.Name} {problem}.");
            }
        }

        public string Name { get; }
        public bool IsRequired { get; }

        private bool NullAllowed => !IsRequired && !_disallowsNull;

        public string Description
        {
            get
            {
                var description = _description is not null ? _description
                    : _type == typeof(string) ? _text!.Description
                    : _type == typeof(bool) ? "true or false"
                    : _type == typeof(JsonObject) ? "an object"
                    : _count is (var least, var most) ? $"a list of {least} to {most} objects"
                    : _range is (var min, var max) ? $"a whole number from {min} to {max}"
                    : "a whole number";
                var allowed = _checks.OfType<AllowedValuesAttribute>().FirstOrDefault();
                return (allowed is null ? description : $"one of {string.Join(", ", allowed.Values)}")
                    + (IsRequired ? "; required" : _isOptional ? "; null clears it" : "");
            }
        }

        /// <summary>The value to pass for this field; null (or an unset <see cref="Optional{T}"/>) when it is absent or at fault.</summary>
        public object? Read(JsonFields body)
        {
            var present = body.TryGet(Name, out var node);
            if (node is null)
            {
                if (IsRequired)
                {
                    body.Fail(Name, $"'{Name}' is required.");
                }
                else if (present && _disallowsNull)
                {
                    body.Fail(Name, $"'{Name}' cannot be null.");
                }

                return _isOptional && present ? Activator.CreateInstance(_parameterType, [null]) : Unset();
            }

            var value = ReadValue(node, body);
            return value is null ? Unset() : _isOptional ? Activator.CreateInstance(_parameterType, value) : value;
        }

        /// <summary>The field's schema; a list keeps the one generated for it, whose items refer to the record's own schema.</summary>
        public OpenApiSchema Schema(IOpenApiSchema? generated)
        {
            var nullable = NullAllowed ? JsonSchemaType.Null : 0;
            if (_count is (var least, var most) && generated is OpenApiSchema list)
            {
                list.Type = JsonSchemaType.Array | nullable;
                list.MinItems = least;
                list.MaxItems = most;
                list.Description = Description;
                return list;
            }

            var schema = new OpenApiSchema { Description = Description };
            if (_type == typeof(JsonObject))
            {
                schema.Type = JsonSchemaType.Object | nullable;
            }
            else if (_type == typeof(string))
            {
                schema.Type = JsonSchemaType.String | nullable;
                schema.MinLength = _text!.MinLength > 0 ? _text.MinLength : null;
                schema.MaxLength = _text.MaxLength;
                schema.Pattern = _checks.OfType<RegularExpressionAttribute>().FirstOrDefault()?.Pattern;
                if (_checks.OfType<AllowedValuesAttribute>().FirstOrDefault() is { } allowed)
                {
                    schema.Enum = [.. allowed.Values.Select(v => JsonValue.Create(v?.ToString())!)];
                }
            }
            else if (_type == typeof(bool))
            {
                schema.Type = JsonSchemaType.Boolean | nullable;
            }
            else
            {
                schema.Type = JsonSchemaType.Integer | nullable;
                schema.Format = _type == typeof(int) ? "int32" : "int64";
                if (_range is (var min, var max))
                {
                    schema.Minimum = min.ToString(CultureInfo.InvariantCulture);
                    schema.Maximum = max.ToString(CultureInfo.InvariantCulture);
                }
            }

            return schema;
        }

        private object? Unset() => _isOptional ? Activator.CreateInstance(_parameterType) : null;

        private object? ReadValue(JsonNode node, JsonFields body)
        {
            var value = node as JsonValue;
            object? read;
            if (_items is not null)
            {
                return ReadList(node, body);
            }

            if (_type == typeof(JsonObject))
            {
                read = node as JsonObject ?? Fail(body, $"'{Name}' must be an object.");
            }
            else if (_type == typeof(string))
            {
                read = value is not null && value.TryGetValue<string>(out var text)
                    ? _text!.Problem(Name, text) is { } problem ? Fail(body, problem) : text
                    : Fail(body, $"'{Name}' must be a string.");
            }
            else if (_type == typeof(bool))
            {
                read = value is not null && value.TryGetValue<bool>(out var flag) ? flag : Fail(body, $"'{Name}' must be true or false.");
            }
            else if (value is null || value.GetValueKind() != JsonValueKind.Number || !value.TryGetValue<long>(out var number))
            {
                read = Fail(body, $"'{Name}' must be a whole number.");
            }
            else if (_range is (var min, var max) && (number < min || number > max))
            {
                read = Fail(body, $"'{Name}' must be a whole number from {min} to {max}.");
            }
            else
            {
                read = _type == typeof(int) ? (object)(int)number : number;
            }

            return read is null ? null : Check(read, body);
        }

        /// <summary>The list's records, each read by its own schema; an error inside one is named after its place in the list.</summary>
        private Array? ReadList(JsonNode node, JsonFields body)
        {
            var (least, most) = _count!.Value;
            if (node is not JsonArray array)
            {
                return (Array?)Fail(body, $"'{Name}' must be a list.");
            }

            if (array.Count < least || array.Count > most)
            {
                return (Array?)Fail(body, $"'{Name}' holds {array.Count} items; it must hold {least} to {most}.");
            }

            var records = Array.CreateInstance(_type.GetGenericArguments()[0], array.Count);
            for (var i = 0; i < array.Count; i++)
            {
                var place = $"{Name}[{i}]";
                if (array[i] is not JsonObject item)
                {
                    body.Fail(place, $"'{place}' must be an object.");
                    continue;
                }

                var fields = JsonFields.Of(item);
                records.SetValue(_items!.Read(fields), i);
                foreach (var (field, messages) in fields.Errors)
                {
                    foreach (var message in messages)
                    {
                        body.Fail($"{place}.{field}", message);
                    }
                }
            }

            return body.IsValid ? records : null;
        }

        private object? Check(object value, JsonFields body)
        {
            foreach (var check in _checks)
            {
                var context = new ValidationContext(value) { DisplayName = Name, MemberName = Name };
                if (check.GetValidationResult(value, context) is { } failed)
                {
                    return Fail(body, check switch
                    {
                        AllowedValuesAttribute allowed => $"'{Name}' must be one of {string.Join(", ", allowed.Values)}.",
                        RegularExpressionAttribute pattern => $"'{Name}' must be {_description ?? $"text matching {pattern.Pattern}"}.",
                        _ => failed.ErrorMessage ?? $"'{Name}' is not valid.",
                    });
                }
            }

            return value;
        }

        private object? Fail(JsonFields body, string message)
        {
            body.Fail(Name, message);
            return null;
        }
    }
}
