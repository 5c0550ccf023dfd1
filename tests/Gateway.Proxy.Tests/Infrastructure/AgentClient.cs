using System.Net.Http.Headers;
using System.Text;
using Gateway.Connectors.Signing;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>Acts as an agent: signs each request with its runtime secret exactly as the agent protocol says.</summary>
public sealed class AgentClient
{
    private readonly HttpClient _http;

    public AgentClient(HttpClient http, string secret, string tenant = DemoBundle.Tenant, string workspace = DemoBundle.Workspace, string agent = DemoBundle.Agent, TimeProvider? time = null)
    {
        _http = http;
        Secret = secret;
        Tenant = tenant;
        Workspace = workspace;
        Agent = agent;
        Signer = RequestSigner.FromSecret(secret, tenant, workspace, agent, time);
    }

    public string Secret { get; }

    public string Tenant { get; }

    public string Workspace { get; }

    public string Agent { get; }

    public RequestSigner Signer { get; }

    /// <summary>Builds and signs a request with a JSON body (or none).</summary>
    public HttpRequestMessage Create(HttpMethod method, string target, string? json = null, string? nonce = null) =>
        Create(method, new Uri(_http.BaseAddress!, target), json, nonce);

    /// <summary>Builds and signs a request carrying a person's identity token (<c>X-Gamut-Person</c>, covered by the signature).</summary>
    public HttpRequestMessage CreateForPerson(HttpMethod method, string target, string? json, string personToken, string? nonce = null) =>
        Create(method, new Uri(_http.BaseAddress!, target), json, nonce, personToken);

    /// <summary>Builds and signs a request that belongs to a run (<c>X-Gamut-Run</c>, covered by the signature's last line).</summary>
    public HttpRequestMessage CreateInRun(HttpMethod method, string target, string? json, string run, string? personToken = null) =>
        Create(method, new Uri(_http.BaseAddress!, target), json, null, personToken, run);

    /// <summary>Builds and signs a request whose target is sent exactly as written (no dot-segment or escape normalisation).</summary>
    public HttpRequestMessage CreateRaw(HttpMethod method, string rawTarget, string? json = null) =>
        Create(method, new Uri(_http.BaseAddress!.GetLeftPart(UriPartial.Authority) + rawTarget, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }), json, null);

    private HttpRequestMessage Create(HttpMethod method, Uri uri, string? json, string? nonce, string? personToken = null, string? run = null)
    {
        var request = new HttpRequestMessage(method, uri);
        if (run is not null)
        {
            request.Headers.TryAddWithoutValidation(SignatureHeaders.Run, run);
        }

        if (personToken is not null)
        {
            request.Headers.TryAddWithoutValidation(SignatureHeaders.Person, personToken);
        }

        var body = json is null ? [] : Encoding.UTF8.GetBytes(json);
        if (json is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        Signer.Sign(request, body, nonce);
        return request;
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => _http.SendAsync(request);

    /// <summary>Sends <paramref name="request"/>, returning as soon as <paramref name="completion"/> says (the headers, for a stream read as it comes).</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion) => _http.SendAsync(request, completion);

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => _http.SendAsync(request, cancellationToken);

    public Task<HttpResponseMessage> PostJsonAsync(string target, string json) => _http.SendAsync(Create(HttpMethod.Post, target, json));

    /// <summary>A copy of a signed request, byte for byte, for replay tests.</summary>
    public static async Task<HttpRequestMessage> CloneAsync(HttpRequestMessage original)
    {
        var clone = new HttpRequestMessage(original.Method, original.RequestUri);
        foreach (var header in original.Headers)
        {
            clone.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        if (original.Content is not null)
        {
            var bytes = await original.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            clone.Content = new ByteArrayContent(bytes);
            foreach (var header in original.Content.Headers)
            {
                clone.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        return clone;
    }
}
