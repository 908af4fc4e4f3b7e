Rails.application.routes.draw do
  root "uploads#index"
  resources :uploads, only: [:create, :show]
  namespace :api do
    resources :uploads, only: [:index, :create, :show]
  end
  get "/health", to: "health#show"
  get "/version", to: "health#version"
end
