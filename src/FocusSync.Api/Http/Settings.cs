using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace FocusSync.Api.Http;

/// <summary>
/// Every configuration section is one options class, bound once and validated when the service starts:
/// a setting out of range stops the start with a message that names its key (<c>Limits:MaxRequestBodyBytes</c>).
/// </summary>
public static class Settings
{
    public static OptionsBuilder<T> AddSettings<T>(this IServiceCollection services, string section)
        where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new SectionValidator<T>(section));
        return services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>The section as the service will see it, for the few choices made before the container is built.</summary>
    public static T ReadSettings<T>(this IConfiguration configuration, string section)
        where T : class, new() =>
        configuration.GetSection(section).Get<T>() ?? new T();

    /// <summary>Data annotations, with each property called by its key, so that a default message names it.</summary>
    private sealed class SectionValidator<T>(string section) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var failures = new List<string>();
            foreach (var property in typeof(T).GetProperties())
            {
                var context = new ValidationContext(options)
                {
                    MemberName = property.Name,
                    DisplayName = $"{section}:{property.Name}",
                };
                var results = new List<ValidationResult>();
                if (!Validator.TryValidateProperty(property.GetValue(options), context, results))
                {
                    failures.AddRange(results.Select(r => r.ErrorMessage ?? $"{context.DisplayName} is not valid."));
                }
            }

            if (failures.Count == 0 && options is IValidatableObject whole)
            {
                failures.AddRange(whole.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage ?? $"{section} is not valid."));
            }

            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
