using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Gateway.Cli;

/// <summary>
/// A thin HTTP client over <c>/admin/v1</c> (and the other bearer-token routes, such as the executor's
/// <c>/v1/decision-tokens/verify</c>) that sends the bearer token and parses JSON answers.
/// </summary>
internal sealed class AdminClient : IDisposable
{
    /// <summary>The admin API's routes, relative to the gateway's base URL.</summary>
    public const string AdminPrefix = "admin/v1/";

    private readonly HttpClient _http;

    public AdminClient(Uri baseUrl, string token, HttpMessageHandler? handler)
    {
        _http = CliHttp.Create(handler, TimeSpan.FromSeconds(30));
        _http.BaseAddress = baseUrl;
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    /// <summary>Sends to <paramref name="route"/>, relative to the gateway's base URL (e.g. <c>admin/v1/tokens</c>).</summary>
    public async Task<AdminResponse> SendAsync(HttpMethod method, string route, string? jsonBody, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, route.TrimStart('/'));
        if (jsonBody is not null)
        {
            request.Content = new StringContent(jsonBody, Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        JsonElement? body = null;
        var notJson = false;
        if (bytes.Length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(bytes);
                body = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                body = null;
                notJson = true;
            }
        }

        return new AdminResponse(response.StatusCode, body) { NotJson = notJson };
    }

    /// <summary>
    /// Copies a successful answer's body as it streams into <paramref name="destination"/> (an export); a
    /// refusal comes back parsed as a problem, and nothing is written.
    /// </summary>
    public async Task<AdminResponse> DownloadAsync(string path, Stream destination, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, AdminPrefix + path.TrimStart('/'));
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            await response.Content.CopyToAsync(destination, cancellationToken);
            return new AdminResponse(response.StatusCode, null);
        }

        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        try
        {
            using var document = JsonDocument.Parse(bytes);
            return new AdminResponse(response.StatusCode, document.RootElement.Clone());
        }
        catch (JsonException)
        {
            return new AdminResponse(response.StatusCode, null);
        }
    }

    public void Dispose() => _http.Dispose();
}
