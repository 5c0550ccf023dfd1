using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Policy.Authoring;
using Gateway.Policy.Tools;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>catalog import-openapi</c> (an OpenAPI 3 document → governed HTTP tools with input schemas) and <c>catalog pin-mcp</c>
/// (an MCP server's tools as it serves them today → <c>mcp_tool</c> entries, each pinned to its definition's digest).
/// Both write catalog entries to merge into a tenant file; neither calls the gateway.
/// </summary>
internal static class CatalogCommands
{
    public static Command Build(GlobalOptions options, CliConsole console)
    {
        var command = new Command("catalog", "Write catalog entries from what an API or an MCP server describes");
        command.Subcommands.Add(ImportOpenApi(options, console));
        command.Subcommands.Add(PinMcp(options, console));
        return command;
    }

    private static Command ImportOpenApi(GlobalOptions options, CliConsole console)
    {
        var spec = new Argument<string>("spec") { Description = "An OpenAPI 3.0 or 3.1 document, JSON or YAML" };
        var upstream = new Option<string>("--upstream") { Description = "The API's base URL the entries call", Required = true };
        var prefix = new Option<string>("--prefix") { Description = "The entries' name prefix (petstore → petstore.list_pets)", Required = true };
        var target = new Option<string?>("--target-system") { Description = "The entries' target_system (default: the prefix)" };
        var credential = new Option<string?>("--credential") { Description = "The entries' credential (vault:name, env:NAME, file:path; default none)" };
        var output = new Option<string?>("--out") { Description = "Write the entries here instead of stdout" };
        var command = new Command("import-openapi", """
            Turn every operation of an OpenAPI 3 document into an http catalog entry: named from its operationId, described by
            its summary, bound to its method and path, with an input_schema made of its path and query parameters and its JSON
            body (local $refs inlined). /mcp then serves them as governed MCP tools. Lists what was left out and why.
            Exit 0, 6 when the document is not OpenAPI 3.
            Example:
              gatewayctl catalog import-openapi petstore.yaml --upstream https://pets.example.com/v1 --prefix petstore --out petstore.catalog.yaml
            """) { spec, upstream, prefix, target, credential, output };
        command.SetAction(parse =>
        {
            var context = new PolicyCommandContext(options, console, parse);
            var path = parse.GetValue(spec)!;
            if (!File.Exists(path))
            {
                return context.Invalid($"{path}: no such file");
            }

            var result = OpenApiImport.Convert(File.ReadAllText(path), new OpenApiImportOptions(parse.GetValue(upstream)!, parse.GetValue(prefix)!)
            {
                TargetSystem = parse.GetValue(target),
                Credential = parse.GetValue(credential),
            });
            if (result.Entries == 0 && result.Skipped is [{ Where: "" } failure])
            {
                return context.Invalid($"{path}: {failure.Reason}");
            }

            var yaml = $"# {result.Entries} entries imported from {Path.GetFileName(path)} by gatewayctl catalog import-openapi: merge under catalog:.\n" + result.Yaml;
            Write(context, parse.GetValue(output), yaml);
            foreach (var skipped in result.Skipped.Where(_ => !context.Json))
            {
                console.Error.WriteLine($"{path}: {skipped.Where}: left out: {skipped.Reason}");
            }

            context.Document(new JsonObject
            {
                ["ok"] = true,
                ["entries"] = result.Entries,
                ["yaml"] = result.Yaml,
                ["skipped"] = new JsonArray([.. result.Skipped.Select(s => (JsonNode)new JsonObject { ["where"] = s.Where, ["reason"] = s.Reason })]),
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command PinMcp(GlobalOptions options, CliConsole console)
    {
        var url = new Option<string>("--url") { Description = "The MCP server's streamable-HTTP URL (as the catalog's upstream)", Required = true };
        var connector = new Option<string>("--connector") { Description = "The name of the server's mcp entry in the catalog", Required = true };
        var headers = new Option<string[]>("--header") { Description = "A header the server needs that is no credential ('Name: value'), repeatable", AllowMultipleArgumentsPerToken = false };
        var headerFile = new Option<FileInfo?>("--header-file") { Description = "A file of headers the server needs, one 'Name: value' a line ('#' comments): where credentials go" };
        var actionType = new Option<string>("--action-type") { Description = "The entries' action_type (review each one)", DefaultValueFactory = _ => "read" };
        var output = new Option<string?>("--out") { Description = "Write the entries here instead of stdout" };
        var command = new Command("pin-mcp", """
            Ask an MCP server for its tools and write one mcp_tool entry per tool, pinned to the digest of its definition as
            served now (name, title, description, input and output schema, annotations). Review each definition before you
            trust it: the gateway hides and refuses a pinned tool whose definition changes until the pin is renewed.
            Redirects are never followed (the headers stay with --url), and headers go over plain http only to this machine
            (or with --allow-insecure-http). A credential header is taken from --header-file, never from --header. Exit 0, 6 on
            bad input, 7 when the server could not be reached or answered with a redirect.
            Example:
              gatewayctl catalog pin-mcp --url https://mcp.example.com/mcp --connector docs --header-file docs.headers --out docs.pins.yaml
            """) { url, connector, headers, headerFile, actionType, output };
        command.SetAction(async (parse, ct) =>
        {
            var context = new PolicyCommandContext(options, console, parse);
            if (!Uri.TryCreate(parse.GetValue(url), UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
            {
                return context.Invalid("--url must be an absolute http(s) URL");
            }

            var (extra, headerError) = PinMcpHeaders.Read(parse.GetValue(headers) ?? [], parse.GetValue(headerFile));
            if (extra is null)
            {
                return context.Invalid(headerError!);
            }

            if (extra.Count > 0 && endpoint.Scheme == Uri.UriSchemeHttp && !GatewayTarget.IsLoopback(endpoint) && !parse.GetValue(options.AllowInsecureHttp))
            {
                return context.Invalid("--url is plain http to another machine (insecure_transport): the headers would cross the network in clear; use https, or pass --allow-insecure-http where that network is trusted");
            }

            IList<McpClientTool> tools;
            try
            {
                // Never redirected: the --header credentials go to --url and nowhere else.
                using var http = CliHttp.Create(console.Handler);
                await using var client = await McpClient.CreateAsync(
                    new HttpClientTransport(new HttpClientTransportOptions { Endpoint = endpoint, TransportMode = HttpTransportMode.StreamableHttp, AdditionalHeaders = extra }, http),
                    new McpClientOptions { ClientInfo = new Implementation { Name = "gatewayctl", Version = "1.0" } },
                    cancellationToken: ct);
                tools = await client.ListToolsAsync(cancellationToken: ct);
            }
            catch (Exception ex) when (CliHttp.FindRedirect(ex) is { } refused)
            {
                return CliHttp.Refused(console.Error, refused);
            }
            catch (Exception ex) when (ex is HttpRequestException or McpException or IOException or TaskCanceledException)
            {
                console.Error.WriteLine($"error: unreachable: the MCP server at {endpoint.GetLeftPart(UriPartial.Path)} could not be asked for its tools ({ex.GetType().Name})");
                return ExitCodes.Unreachable;
            }

            var name = parse.GetValue(connector)!;
            var yaml = new StringBuilder($"# The tools of MCP server '{name}' as served on {DateTimeOffset.UtcNow:yyyy-MM-dd}, pinned by gatewayctl catalog pin-mcp: merge under catalog:.\n");
            var entries = new JsonArray();
            foreach (var tool in tools.Select(t => t.ProtocolTool).OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                var pin = ToolDefinitionDigest.Compute(JsonSerializer.SerializeToElement(tool, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(Tool))));
                yaml.Append("  - { name: ").Append(YamlJson.Quote(name + "." + tool.Name)).Append(", kind: mcp_tool, action_type: ").Append(parse.GetValue(actionType))
                    .Append(", connector: ").Append(YamlJson.Quote(name)).Append(", mcp_tool: ").Append(YamlJson.Quote(tool.Name)).Append(", pin: ").Append(YamlJson.Quote(pin)).Append(" }\n");
                entries.Add(new JsonObject { ["tool"] = tool.Name, ["pin"] = pin, ["description"] = tool.Description });
            }

            Write(context, parse.GetValue(output), yaml.ToString());
            context.Document(new JsonObject { ["ok"] = true, ["connector"] = name, ["tools"] = entries });
            return ExitCodes.Success;
        });
        return command;
    }

    private static void Write(PolicyCommandContext context, string? path, string yaml)
    {
        if (path is not null)
        {
            File.WriteAllText(path, yaml);
            context.Line($"wrote {path}");
        }
        else
        {
            context.Line(yaml.TrimEnd('\n'));
        }
    }
}
