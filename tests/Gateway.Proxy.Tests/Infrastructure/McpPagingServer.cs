using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// A real MCP server (the official .NET SDK) that pages its listings forever: its tools in empty pages that each carry a
/// cursor, its prompts, resources and resource templates one to a page, each page naming a next one. It counts the pages
/// it was asked for.
/// </summary>
public sealed class McpPagingServer : IAsyncDisposable
{
    private WebApplication? _app;
    private int _toolPages;
    private int _promptPages;

    /// <summary>"http://127.0.0.1:port/mcp".</summary>
    public string Url { get; private set; } = string.Empty;

    /// <summary>The tools/list pages the server answered.</summary>
    public int ToolPages => _toolPages;

    /// <summary>The prompts/list pages the server answered.</summary>
    public int PromptPages => _promptPages;

    public static async Task<McpPagingServer> StartAsync()
    {
        var server = new McpPagingServer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddMcpServer(options => options.ServerInfo = new Implementation { Name = "mcp-paging-server", Version = "1.0" })
            .WithHttpTransport()
            .WithListToolsHandler((_, _) =>
            {
                Interlocked.Increment(ref server._toolPages);
                return ValueTask.FromResult(new ListToolsResult { Tools = [], NextCursor = "more" });
            })
            .WithListPromptsHandler((request, _) =>
            {
                Interlocked.Increment(ref server._promptPages);
                var page = Next(request.Params?.Cursor);
                return ValueTask.FromResult(new ListPromptsResult { Prompts = [new Prompt { Name = "prompt-" + page }], NextCursor = page });
            })
            .WithGetPromptHandler((_, _) => ValueTask.FromResult(new GetPromptResult { Messages = [] }))
            .WithListResourcesHandler((request, _) =>
            {
                var page = Next(request.Params?.Cursor);
                return ValueTask.FromResult(new ListResourcesResult { Resources = [new Resource { Uri = "page://" + page, Name = "page-" + page }], NextCursor = page });
            })
            .WithListResourceTemplatesHandler((request, _) =>
            {
                var page = Next(request.Params?.Cursor);
                return ValueTask.FromResult(new ListResourceTemplatesResult { ResourceTemplates = [new ResourceTemplate { UriTemplate = "page://" + page + "/{id}", Name = "page-" + page }], NextCursor = page });
            })
            .WithReadResourceHandler((request, _) => ValueTask.FromResult(new ReadResourceResult { Contents = [new TextResourceContents { Uri = request.Params!.Uri, Text = "a page" }] }));
        var app = builder.Build();
        app.MapMcp("/mcp");
        await app.StartAsync();
        server.Url = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First().TrimEnd('/') + "/mcp";
        server._app = app;
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    // The page after the one at the cursor (the first has none).
    private static string Next(string? cursor) => ((cursor is null ? 0 : int.Parse(cursor, System.Globalization.CultureInfo.InvariantCulture)) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
