using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Gateway.Oversight;
using Gateway.Policy.Serialization;
using Microsoft.AspNetCore.Http;

namespace Gateway.Admin.Http;

/// <summary>Reads a small JSON body after authentication (so a bad body never precedes a 401).</summary>
internal static class AdminBody
{
    private const int MaxBytes = 64 * 1024;

    public static async ValueTask<(T? Value, IResult? Error)> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        if (context.Request.ContentLength > MaxBytes)
        {
            return (null, AdminProblem.Create(context, StatusCodes.Status413PayloadTooLarge, ProblemCodes.InvalidBody, "Body too large"));
        }

        if (!(context.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) ?? false))
        {
            return (null, AdminProblem.Create(context, StatusCodes.Status415UnsupportedMediaType, ProblemCodes.InvalidBody, "Expected application/json"));
        }

        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            if (buffer.Length > MaxBytes)
            {
                return (null, AdminProblem.Create(context, StatusCodes.Status413PayloadTooLarge, ProblemCodes.InvalidBody, "Body too large"));
            }

            // Strictly, as every body the gateway reads: a repeated member ({"roles":["auditor"],"roles":["admin"]}) is refused,
            // never read as its last copy.
            var value = JsonText.ParseStrict(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)).Deserialize(typeInfo);
            return value is null
                ? (null, AdminProblem.Create(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidBody, "A JSON object is required"))
                : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, AdminProblem.Create(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidBody, "Malformed JSON body", ex.Message));
        }
    }
}
