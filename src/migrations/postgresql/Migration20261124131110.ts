import { Migration } from '@mikro-orm/migrations';

export class Migration20261124131110 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "gatehouse_user" ("id" uuid not null, "username" varchar(150) not null, "email" varchar(254) null, "password_hash" varchar(100) not null, "roles" jsonb not null, "is_active" boolean not null default true, "last_login" timestamptz null, "date_joined" timestamptz not null, "tokens_valid_after" timestamptz null, constraint "gatehouse_user_pkey" primary key ("id"));`);
    this.addSql(`alter table "gatehouse_user" add constraint "gatehouse_user_username_unique" unique ("username");`);

    this.addSql(`create table "gatehouse_device" ("id" uuid not null, "user_id" uuid not null, "name" varchar(255) not null, "user_agent" varchar(512) null, "created_at" timestamptz not null, "last_seen_at" timestamptz not null, "expires_at" timestamptz not null, "revoked_at" timestamptz null, constraint "gatehouse_device_pkey" primary key ("id"));`);
    this.addSql(`create index "gatehouse_device_user_id_revoked_at_index" on "gatehouse_device" ("user_id", "revoked_at");`);

    this.addSql(`create table "gatehouse_refresh_token" ("id" uuid not null, "kind" text check ("kind" in ('device', 'app')) not null, "token_hash" varchar(64) not null, "user_id" uuid not null, "device_id" uuid null, "app" varchar(64) null, "orig_iat" int not null, "created_at" timestamptz not null, "last_used_at" timestamptz null, "used_at" timestamptz null, "replaced_by_id" uuid null, "sealed_successor" text null, "revoked_at" timestamptz null, constraint "gatehouse_refresh_token_pkey" primary key ("id"));`);
    this.addSql(`alter table "gatehouse_refresh_token" add constraint "gatehouse_refresh_token_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "gatehouse_refresh_token_user_id_kind_app_index" on "gatehouse_refresh_token" ("user_id", "kind", "app");`);

    this.addSql(`alter table "gatehouse_device" add constraint "gatehouse_device_user_id_foreign" foreign key ("user_id") references "gatehouse_user" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "gatehouse_refresh_token" add constraint "gatehouse_refresh_token_user_id_foreign" foreign key ("user_id") references "gatehouse_user" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "gatehouse_refresh_token" add constraint "gatehouse_refresh_token_device_id_foreign" foreign key ("device_id") references "gatehouse_device" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "gatehouse_device" drop constraint "gatehouse_device_user_id_foreign";`);

    this.addSql(`alter table "gatehouse_refresh_token" drop constraint "gatehouse_refresh_token_user_id_foreign";`);

    this.addSql(`alter table "gatehouse_refresh_token" drop constraint "gatehouse_refresh_token_device_id_foreign";`);

    this.addSql(`drop table if exists "gatehouse_user" cascade;`);

    this.addSql(`drop table if exists "gatehouse_device" cascade;`);

    this.addSql(`drop table if exists "gatehouse_refresh_token" cascade;`);
  }

}
