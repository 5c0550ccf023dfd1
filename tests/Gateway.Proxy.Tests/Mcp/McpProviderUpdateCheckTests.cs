using Gateway.Proxy.Mcp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// On an MCP server's own route <c>/providers/&lt;server&gt;</c>, the check of a resource update (whether the caller may
/// still be told of it, <c>McpResourceSubscriptions.MayHearAsync</c>) is built only for an answer that carries an update:
/// answers to calls that name none never look the subscriptions up (the GET stream, open for the session's life, is
/// registered there once to be ended by a kill switch).
/// </summary>
public sealed class McpProviderUpdateCheckTests
{
    [Fact]
    public async Task ProvidersCall_AnswersNamingNoUpdate_NeverResolveTheSubscriptions()
    {
        var lookups = new SubscriptionLookups();
        await using var mcp = await McpGateway.StartAsync(
            text => text.Replace("      - { tool: files.write }\n", "      - { tool: files.write }\n      - { tool: files }\n", StringComparison.Ordinal),
            configure: builder => builder.Services.AddSingleton<IStartupFilter>(lookups));

        await using (var client = await mcp.ConnectProviderAsync("files"))
        {
            Assert.Contains(await client.ListToolsAsync(), t => t.Name == "read_file");
            await client.CallToolAsync("read_file", new Dictionary<string, object?> { ["path"] = "a" });
        }

        Assert.NotEmpty(mcp.Files.Calls);
        Assert.Equal(0, lookups.Count);
    }

    /// <summary>Counts each request's look-ups of <see cref="McpResourceSubscriptions"/> in its services.</summary>
    private sealed class SubscriptionLookups : IStartupFilter
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((HttpContext context, RequestDelegate following) =>
            {
                if (!HttpMethods.IsGet(context.Request.Method))
                {
                    context.RequestServices = new Counting(context.RequestServices, this);
                }

                return following(context);
            });
            next(app);
        };

        private sealed class Counting(IServiceProvider inner, SubscriptionLookups lookups) : IServiceProvider
        {
            public object? GetService(Type serviceType)
            {
                if (serviceType == typeof(McpResourceSubscriptions))
                {
                    Interlocked.Increment(ref lookups._count);
                }

                return inner.GetService(serviceType);
            }
        }
    }
}
