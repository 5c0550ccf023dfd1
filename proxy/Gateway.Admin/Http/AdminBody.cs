using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Gateway.Oversight;
using Gateway.Policy.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Admin.Http;

/// <summary>
/// Reads a small JSON body after authentication (so a bad body never precedes a 401); a body that cannot be read is
/// <c>invalid_body</c>: 413 past the bound, 408 too slow, 400 broken (JSON or framing) or naming a member the body does not
/// have (names are case-sensitive: a <c>"Tenant"</c> read as absent would widen what a token may do), never a 500. The one
/// place unknown members are refused (its problem names the member and the accepted ones): the request types carry no check of
/// their own, so every admin body is read here (<c>AdminBodyReadersTests</c>).
/// </summary>
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

        // A body without a length (chunked) is cut off by the server past the bound, never read in full first.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBytes;
        }

        try
        {
            var buffer = new byte[MaxBytes + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted)) > 0)
            {
                length += read;
            }

            if (length > MaxBytes)
            {
                return (null, AdminProblem.Create(context, StatusCodes.Status413PayloadTooLarge, ProblemCodes.InvalidBody, "Body too large"));
            }

            // Strictly, as every body the gateway reads: a repeated member ({"roles":["auditor"],"roles":["admin"]}) is refused,
            // never read as its last copy.
            var json = JsonText.ParseStrict(buffer.AsSpan(0, length));
            if (UnknownMember(json, typeInfo) is { } unknown)
            {
                return (null, AdminProblem.Create(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidBody, "Unknown member in the body",
                    $"'{Printable(unknown)}' is not one of its members (case-sensitive): {string.Join(", ", typeInfo.Properties.Select(static p => p.Name))}"));
            }

            var value = json.Deserialize(typeInfo);
            return value is null
                ? (null, AdminProblem.Create(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidBody, "A JSON object is required"))
                : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, AdminProblem.Create(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidBody, "Malformed JSON body", ex.Message));
        }
        catch (BadHttpRequestException ex)
        {
            // The server refused the body while it was read: past the bound, too slow, or its framing broken (bad chunking).
            return (null, ex.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => AdminProblem.Create(context, StatusCodes.Status413PayloadTooLarge, ProblemCodes.InvalidBody, "Body too large"),
                StatusCodes.Status408RequestTimeout => AdminProblem.Create(context, StatusCodes.Status408RequestTimeout, ProblemCodes.InvalidBody, "Body did not arrive in time"),
                _ => AdminProblem.Create(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidBody, "Malformed body"),
            });
        }
    }

    // The first member of an object body that is none of the type's (exactly as spelled); null when there is none.
    private static string? UnknownMember(JsonElement json, JsonTypeInfo typeInfo)
    {
        if (json.ValueKind != JsonValueKind.Object || typeInfo.Kind != JsonTypeInfoKind.Object)
        {
            return null;
        }

        foreach (var member in json.EnumerateObject())
        {
            if (!typeInfo.Properties.Any(p => string.Equals(p.Name, member.Name, StringComparison.Ordinal)))
            {
                return member.Name;
            }
        }

        return null;
    }

    // A member name as the problem may repeat it: its first 64 characters, each outside printable ASCII as '?'.
    private static string Printable(string name) =>
        string.Create(Math.Min(name.Length, 64), name, static (span, source) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = source[i] is >= ' ' and <= '~' ? source[i] : '?';
            }
        });
}
