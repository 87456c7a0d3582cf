using System.Security.Claims;
using FocusSync.Api.Changes;
using FocusSync.Api.Data;
using FocusSync.Api.Http;
using FocusSync.Api.Sessions;
using FocusSync.Api.Timekeeping;
using FocusSync.Api.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FocusSync.Api.Groups;

public sealed record GroupRequest(string? Name, string? Description);

public sealed record GroupList(IReadOnlyList<GroupDto> Groups);

public static class GroupEndpoints
{
    public static IEndpointRouteBuilder MapGroups(this IEndpointRouteBuilder app)
    {
        var groups = app.MapGroup("/groups").RequireAuthorization().WithTags("Groups");
        groups.MapGet("/", List);
        var fields = $"'name': {StoredText.GroupName.Description}. 'description': {StoredText.GroupDescription.Description}.";
        groups.MapPost("/", Create).Accepts<GroupRequest>("application/json").WithDescription(fields);
        groups.MapPatch("/{id}", Edit).Accepts<GroupRequest>("application/json").WithDescription(fields);
        groups.MapDelete("/{id}", Delete);
        return app;
    }

    private static Task<Ok<GroupList>> List(ClaimsPrincipal user, ChangePipeline changes, CancellationToken ct) =>
        changes.ReadAsync(user.Identity(), async ctx =>
        {
            var rows = await ctx.Db.Groups.AsNoTracking().Where(g => g.UserId == ctx.User.Id)
                .OrderBy(g => g.Id).ToListAsync(ct);
            return TypedResults.Ok(new GroupList([.. rows.Select(GroupDto.From)]));
        }, ct);

    private static async Task<Results<Created<GroupDto>, ValidationProblem, ProblemHttpResult>> Create(
        HttpRequest request, ClaimsPrincipal user, ChangePipeline changes, IOptions<LimitOptions> limits, CancellationToken ct)
    {
        var (fields, bodyErrors) = await JsonFields.ReadAsync(request, ct);
        if (fields is null)
        {
            return Problems.Invalid(bodyErrors!);
        }

        fields.OnlyAllow("name", "description");
        var name = fields.String("name", StoredText.GroupName, required: true);
        var description = fields.String("description", StoredText.GroupDescription, required: false) ?? "";
        if (!fields.IsValid)
        {
            return Problems.Invalid(fields.Errors);
        }

        return await changes.ApplyAsync<Results<Created<GroupDto>, ValidationProblem, ProblemHttpResult>>(user.Identity(), async ctx =>
        {
            if (await ctx.Db.Groups.CountAsync(g => g.UserId == ctx.User.Id, ct) >= limits.Value.MaxGroupsPerUser)
            {
                return TypedResults.Problem(
                    detail: $"You have reached the limit of {limits.Value.MaxGroupsPerUser} groups.",
                    statusCode: StatusCodes.Status409Conflict, title: "Group limit reached");
            }

            var group = await ctx.InsertGroupAsync(
                new Group { UserId = ctx.User.Id, Name = name!, Description = description }, ct);
            TimerRules.AddGroup(group, ctx.NowMs, ctx.Outcome);
            return TypedResults.Created($"/groups/{group.Id}", GroupDto.From(group));
        }, ct);
    }

    private static async Task<Results<Ok<GroupDto>, ValidationProblem, ProblemHttpResult>> Edit(
        string id, HttpRequest request, ClaimsPrincipal user, ChangePipeline changes, CancellationToken ct)
    {
        if (SessionEndpoints.ParseId(id) is not { } groupId)
        {
            return SessionEndpoints.InvalidId();
        }

        var (fields, bodyErrors) = await JsonFields.ReadAsync(request, ct);
        if (fields is null)
        {
            return Problems.Invalid(bodyErrors!);
        }

        fields.OnlyAllow("name", "description");
        if (fields.IsNull("name"))
        {
            fields.Fail("name", "'name' cannot be null.");
        }

        var name = fields.String("name", StoredText.GroupName, required: false);
        var description = fields.IsNull("description") ? "" : fields.String("description", StoredText.GroupDescription, required: false);
        if (!fields.IsValid)
        {
            return Problems.Invalid(fields.Errors);
        }

        return await changes.ApplyAsync<Results<Ok<GroupDto>, ValidationProblem, ProblemHttpResult>>(user.Identity(), async ctx =>
        {
            if (await ctx.FindGroupAsync(groupId, ct) is not { } group)
            {
                return Problems.NotFound("group");
            }

            TimerRules.EditGroup(group, name, description, ctx.NowMs, ctx.Outcome);
            return TypedResults.Ok(GroupDto.From(group));
        }, ct);
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> Delete(
        string id, ClaimsPrincipal user, ChangePipeline changes, CancellationToken ct)
    {
        if (SessionEndpoints.ParseId(id) is not { } groupId)
        {
            return SessionEndpoints.InvalidId();
        }

        return await changes.ApplyAsync<Results<NoContent, ValidationProblem, ProblemHttpResult>>(user.Identity(), async ctx =>
        {
            if (await ctx.FindGroupAsync(groupId, ct) is not { } group)
            {
                return Problems.NotFound("group");
            }

            TimerRules.DeleteGroup(ctx.Timers, group, ctx.NowMs, ctx.Outcome);
            ctx.RemoveGroup(group);
            return TypedResults.NoContent();
        }, ct);
    }
}
