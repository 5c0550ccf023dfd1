using System.Text.RegularExpressions;

namespace Gateway.Proxy.Tests.Console;

/// <summary>A browser's requests to the console without a browser: cookies by hand, no redirects followed.</summary>
internal static class ConsoleHttp
{
    public static HttpClient Browser(Uri gateway) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = gateway };

    /// <summary>The <c>name=value</c> of the cookie <paramref name="name"/> the answer sets.</summary>
    public static string Cookie(HttpResponseMessage response, string name) =>
        response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith(name + "=", StringComparison.Ordinal));

    public static HttpRequestMessage Get(string path, string? cookie)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        return request;
    }

    public static HttpRequestMessage PostForm(string path, string? cookie, IReadOnlyDictionary<string, string> fields)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        return request;
    }

    /// <summary>The value of the hidden field <paramref name="name"/> in <paramref name="html"/>, or null.</summary>
    public static string? Hidden(string html, string name)
    {
        var match = Regex.Match(html, "name=\"" + Regex.Escape(name) + "\" value=\"([^\"]+)\"");
        return match.Success ? match.Groups[1].Value : null;
    }

    /// <summary>Signs in to tenant demo with an admin token (Development); returns the session cookie.</summary>
    public static async Task<string> TokenSignInAsync(HttpClient client, string token)
    {
        using var response = await TokenFormPostAsync(client, token);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        return Cookie(response, "gamut_console");
    }

    /// <summary>Opens the admin-token form (its check value and cookie), then posts <paramref name="token"/> with them.</summary>
    public static async Task<HttpResponseMessage> TokenFormPostAsync(HttpClient client, string token)
    {
        using var form = await client.GetAsync("/console/demo/token-sign-in");
        Assert.Equal(System.Net.HttpStatusCode.OK, form.StatusCode);
        var check = Hidden(await form.Content.ReadAsStringAsync(), "check")!;
        return await client.SendAsync(PostForm("/console/demo/token-sign-in", Cookie(form, "gamut_console_token_form"),
            new Dictionary<string, string> { ["check"] = check, ["token"] = token }));
    }
}
