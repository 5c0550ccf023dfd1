using System.Text;
using System.Text.Json.Nodes;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gamut.Agent.Tests.Infrastructure;

/// <summary>
/// Forwards each request to the real gateway unchanged and rewrites the answer's decision token (or
/// warrant) to name another agent, as a confused or hostile intermediary would.
/// </summary>
internal static class TamperingRelay
{
    public static Task<KestrelUpstream> StartAsync(string gatewayBaseUrl, string otherAgent = "another-agent")
    {
        var http = new HttpClient();
        return KestrelUpstream.StartAsync(app => app.Run(async context =>
        {
            using var forward = new HttpRequestMessage(new HttpMethod(context.Request.Method), gatewayBaseUrl + context.Request.Path + context.Request.QueryString);
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            if (body.Length > 0)
            {
                forward.Content = new ByteArrayContent(body.ToArray());
                forward.Content.Headers.TryAddWithoutValidation("Content-Type", context.Request.ContentType);
            }

            foreach (var header in context.Request.Headers.Where(h => h.Key.StartsWith("X-Gamut-", StringComparison.OrdinalIgnoreCase) || h.Key == "Accept"))
            {
                forward.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray());
            }

            using var answer = await http.SendAsync(forward);
            var json = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!.AsObject();
            foreach (var member in new[] { "decision_token", "warrant" })
            {
                if (json[member]?.GetValue<string>() is { } token)
                {
                    var parts = token.Split('.');
                    var claims = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(Pad(parts[1]))))!.AsObject();
                    claims["aid"] = otherAgent;
                    json[member] = $"{parts[0]}.{Convert.ToBase64String(Encoding.UTF8.GetBytes(claims.ToJsonString())).TrimEnd('=').Replace('+', '-').Replace('/', '_')}.{parts[2]}";
                }
            }

            context.Response.StatusCode = (int)answer.StatusCode;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(json.ToJsonString());
        }));

        static string Pad(string part)
        {
            var text = part.Replace('-', '+').Replace('_', '/');
            return text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
        }
    }
}
